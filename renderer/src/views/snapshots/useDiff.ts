import { useEffect, useRef, useState } from 'react';
import type { ApiResult } from '../../../../preload/contract.ts';
import { api, toApiCallError } from '../../api.ts';

export type DiffResult = ApiResult<'snapshots.diff'>;

export interface DiffOptions {
  groupBy: 'site' | 'line' | 'file';
  scope: 'project' | 'all';
  pathContains: string;
}

const ROW_LIMIT = 200;

/** The diff of two snapshots with these options, fetched again whenever one of them changes. */
export function useDiff(
  before: number | null,
  after: number | null,
  { groupBy, scope, pathContains }: DiffOptions,
): { result: DiffResult | null; loading: boolean; error: string | null } {
  const [result, setResult] = useState<DiffResult | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // only the answer to the latest question is shown: an older diff may come back after a newer one
  const latest = useRef(0);

  useEffect(() => {
    const seq = ++latest.current;
    if (before === null || after === null || before === after) {
      setResult(null);
      setLoading(false);
      setError(null);
      return;
    }
    setLoading(true);
    setError(null);
    const filter = pathContains.trim();
    api
      .call('snapshots.diff', {
        before,
        after,
        groupBy,
        scope,
        limit: ROW_LIMIT,
        ...(filter ? { pathContains: filter } : {}),
      })
      .then(
        (diff) => {
          if (seq === latest.current) setResult(diff);
        },
        (e: unknown) => {
          if (seq === latest.current) {
            setResult(null);
            setError(toApiCallError(e).message);
          }
        },
      )
      .finally(() => {
        if (seq === latest.current) setLoading(false);
      });
  }, [before, after, groupBy, scope, pathContains]);

  return { result, loading, error };
}
