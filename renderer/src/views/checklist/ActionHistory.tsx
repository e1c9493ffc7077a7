import type { ActionResultDto } from '../../../../preload/contract.ts';
import { formatClock } from '../../format.ts';

function runLabel(run: readonly ActionResultDto[]): string {
  const head = run[0]!;
  const target = head.args.target ?? head.args.alias;
  return typeof target === 'string' ? `${head.name} ${target}` : head.name;
}

/** Every run of this item's actions in the session, oldest first. */
export function ActionHistory({ runs }: { runs: readonly (readonly ActionResultDto[])[] }) {
  return (
    <details className="action-history">
      <summary>
        History: {runs.length} {runs.length === 1 ? 'run' : 'runs'}
      </summary>
      <ol data-testid="action-history">
        {runs.map((run) => {
          const head = run[0]!;
          const failed = run.filter((r) => !r.ok);
          return (
            <li key={head.id} data-ok={failed.length === 0}>
              <span className="mono muted">{formatClock(head.t).slice(0, 8)}</span>{' '}
              <code>{runLabel(run)}</code>{' '}
              {failed.length ? (
                <span className="text-danger">{failed.map((r) => r.error).join('; ')}</span>
              ) : (
                <span className="muted">{run.map((r) => r.message).join('; ')}</span>
              )}
            </li>
          );
        })}
      </ol>
    </details>
  );
}
