import type { DiffRowDto } from '../../../../preload/contract.ts';
import { formatBytes, formatCount, formatCountDelta } from '../../format.ts';
import { SourceCode } from './SourceCode.tsx';
import { Traceback } from './Traceback.tsx';
import { WhoHoldsForm } from './WhoHoldsForm.tsx';

export function rowLocation(row: Pick<DiffRowDto, 'rel' | 'file' | 'line'>): string {
  return row.line === null ? (row.rel ?? row.file) : `${row.rel ?? row.file}:${row.line}`;
}

interface DiffRowProps {
  row: DiffRowDto;
  open: boolean;
  onToggle: () => void;
  sessionId: number;
  running: boolean;
  perRequest: boolean;
}

export function DiffRow({ row, open, onToggle, sessionId, running, perRequest }: DiffRowProps) {
  const where = rowLocation(row);
  const detailId = `diff-detail-${row.key.replace(/[^\w-]/g, '_')}`;
  const columns = perRequest ? 7 : 6;
  return (
    <>
      <tr
        className={`diff-row ${open ? 'selected' : ''}`}
        data-location={where}
        data-size-diff={row.size_diff}
        data-per-request={row.size_per_request ?? ''}
      >
        <td className="diff-toggle">
          <button
            type="button"
            className="btn btn-ghost btn-small"
            aria-expanded={open}
            aria-controls={open ? detailId : undefined}
            aria-label={`${open ? 'Hide' : 'Show'} the traceback of ${where}`}
            onClick={onToggle}
          >
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td className="diff-where">
          <button type="button" className="link-button mono" onClick={onToggle} title={row.file}>
            {where}
          </button>
          {row.line !== null && <SourceCode code={row.code} />}
        </td>
        <td className={`num ${row.size_diff > 0 ? 'text-grow' : ''}`}>{formatBytes(row.size_diff, true)}</td>
        <td className="num">{formatCountDelta(row.count_diff)}</td>
        {perRequest && (
          <td className="num" data-col="per-request">
            {formatBytes(row.size_per_request, true)}
          </td>
        )}
        <td className="num muted">{formatBytes(row.size_after)}</td>
        <td className="num muted">{formatCount(row.count_after)}</td>
      </tr>
      {open && (
        <tr className="diff-detail" id={detailId}>
          <td colSpan={columns}>
            <Traceback frames={row.traceback} attributed={row.attributed} sessionId={sessionId} />
            {row.line !== null && running && (
              <WhoHoldsForm sessionId={sessionId} what={where} site={{ file: row.file, line: row.line }} />
            )}
            {row.line !== null && !running && (
              <p className="hint small">Who holds it? asks the running server: start the session again.</p>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
