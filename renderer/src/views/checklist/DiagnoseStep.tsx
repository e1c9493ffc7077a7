import type { ScanResultDto, TypeGrowthDto } from '../../../../preload/contract.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { formatBytes, formatCountDelta, formatKB } from '../../format.ts';
import { endpointKey } from '../../verdicts.ts';
import { EndpointLinks } from './EndpointLinks.tsx';
import { HeldBy, SourceSite } from './SourceSite.tsx';

/** One leaking endpoint's diagnosis: the line that allocated what grew, the type that grew, who holds it. */
function Diagnosis({ sessionId, result }: { sessionId: number; result: ScanResultDto }) {
  const d = result.diagnosis;
  const site = d?.top_sites[0];
  // the type whose instances grew the most in bytes (the census may list shrinking ones too)
  const type = d?.top_types.reduce<TypeGrowthDto | undefined>(
    (best, t) => (t.size_diff > 0 && (!best || t.size_diff > best.size_diff) ? t : best),
    undefined,
  );
  return (
    <li className="panel diagnosis-card" data-testid="diagnosis" data-path={result.path}>
      <header className="finding-endpoint-head">
        <span className="mono">
          <span className="method">{result.method}</span> {result.path}
        </span>
        <span className="text-grow">{formatKB(result.retained_bytes_per_request)} kept per request</span>
      </header>
      {!d ? (
        <p className="muted small">Not diagnosed: the scan had no traced window for this endpoint.</p>
      ) : (
        <>
          {site ? (
            <SourceSite site={site} />
          ) : (
            <p className="muted small">No line of the project allocated what grew (library code only).</p>
          )}
          {type && (
            <p className="small">
              Grew most: <code>{type.type}</code> {formatCountDelta(type.count_diff)} objects (
              {formatBytes(type.size_diff, true)})
            </p>
          )}
          {d.held_by ? (
            <HeldBy heldBy={d.held_by} />
          ) : (
            <p className="muted small">The referrer search named no root for it.</p>
          )}
        </>
      )}
      <EndpointLinks sessionId={sessionId} result={result} />
    </li>
  );
}

/** Step 2: for each leaking endpoint, where the memory was allocated and what keeps it alive. */
export function DiagnoseStep({ sessionId, leaks }: { sessionId: number; leaks: readonly ScanResultDto[] }) {
  return (
    <section className="checklist-step" aria-label="Diagnose" data-testid="diagnose-step">
      {leaks.length === 0 ? (
        <EmptyState title="Nothing to diagnose">
          Diagnoses come with the leaks a scan finds: scan the session first (Identify).
        </EmptyState>
      ) : (
        <>
          <p className="muted">
            After the verdicts, each leak got a short traced window: snapshots before and after ~40 requests,
            diffed down to the line of your project that allocated what grew, and a search for what holds it.
          </p>
          <ul className="diagnosis-list">
            {leaks.map((r) => (
              <Diagnosis key={endpointKey(r)} sessionId={sessionId} result={r} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
