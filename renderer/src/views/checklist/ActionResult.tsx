import type { ActionResultDto } from '../../../../preload/contract.ts';
import { formatBytes, formatCount, formatCountDelta } from '../../format.ts';
import { effectRows, effectTotals } from './actionText.ts';

type Figures = NonNullable<ActionResultDto['before']>;

const MEMORY: { key: keyof Figures; label: string; bytes: boolean }[] = [
  { key: 'heap', label: 'Heap in use', bytes: true },
  { key: 'rss', label: 'RSS', bytes: true },
  { key: 'blocks', label: 'Allocated blocks', bytes: false },
  { key: 'gc_objects', label: 'Objects tracked by the GC', bytes: false },
];

function show(v: number | null | undefined, bytes: boolean): string {
  if (v === null || v === undefined) return '—';
  return bytes ? formatBytes(v) : formatCount(v);
}

function change(a: number | null | undefined, b: number | null | undefined, bytes: boolean): string {
  if (typeof a !== 'number' || typeof b !== 'number') return '';
  return bytes ? formatBytes(b - a, true) : formatCountDelta(b - a);
}

/** One process's part of a run: memory measured before and after, and what the action changed. */
function ProcessResult({ result, showPid }: { result: ActionResultDto; showPid: boolean }) {
  if (!result.ok)
    return (
      <p className="text-danger small" role="alert">
        {showPid && `pid ${result.pid}: `}
        {result.error}
      </p>
    );
  const effects = effectRows(result.effect);
  return (
    <table
      className="table table-dense action-figures"
      aria-label={`Measured effect${showPid ? ` in pid ${result.pid}` : ''}`}
    >
      {showPid && <caption className="small muted">pid {result.pid}</caption>}
      <thead>
        <tr>
          <th scope="col">Measured</th>
          <th scope="col" className="num">
            Before
          </th>
          <th scope="col" className="num">
            After
          </th>
          <th scope="col" className="num">
            Change
          </th>
        </tr>
      </thead>
      <tbody>
        {effects.map((r) => (
          <tr key={r.label} data-figure={r.label}>
            <th scope="row">{r.label}</th>
            <td className="num">{r.before ?? ''}</td>
            <td className="num">{r.after ?? ''}</td>
            <td className="num">{r.change ?? ''}</td>
          </tr>
        ))}
        {MEMORY.map(({ key, label, bytes }) => (
          <tr key={key} className="muted">
            <th scope="row">{label}</th>
            <td className="num">{show(result.before?.[key], bytes)}</td>
            <td className="num">{show(result.after?.[key], bytes)}</td>
            <td className="num">{change(result.before?.[key], result.after?.[key], bytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The latest run of an action: its message and figures per serving process. */
export function ActionResult({ run }: { run: readonly ActionResultDto[] }) {
  const totals = effectTotals(run);
  const first = run[0];
  if (!first) return null;
  return (
    <div
      className="action-result"
      data-testid="action-result"
      data-name={first.name}
      data-ok={run.every((r) => r.ok)}
      data-entries-before={totals.entriesBefore ?? undefined}
      data-entries-after={totals.entriesAfter ?? undefined}
      data-bytes-freed={totals.bytesFreed ?? undefined}
    >
      {run.map(
        (r) =>
          r.ok &&
          r.message && (
            <p key={r.id} className="small">
              {r.message}
            </p>
          ),
      )}
      {run.map((r) => (
        <ProcessResult key={r.id} result={r} showPid={run.length > 1} />
      ))}
    </div>
  );
}
