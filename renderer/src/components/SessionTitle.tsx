import type { SessionSummaryDto } from '../../../preload/contract.ts';
import { StatusBadge } from './StatusBadge.tsx';

/** Marks a view whose session cannot change (ended or imported); `why` is its tooltip. */
export function ReadOnlyPill({ why, testId }: { why: string; testId?: string }) {
  return (
    <span className="pill" data-testid={testId} title={why}>
      Read-only
    </span>
  );
}

/** A session view's title: the view's name, the session's name and status, and Read-only when it has ended. */
export function SessionTitle(props: {
  title: string;
  sessionId: number;
  session: SessionSummaryDto | undefined;
  running: boolean;
  /** Why the view is read-only when the session is not running. */
  readOnlyWhy: string;
  nameTestId?: string;
}) {
  const { title, sessionId, session, running, readOnlyWhy, nameTestId } = props;
  return (
    <>
      <h1>{title}</h1>
      <span className="muted" data-testid={nameTestId}>
        {session?.name ?? `Session ${sessionId}`}
      </span>
      {session && <StatusBadge status={session.status} origin={session.origin} />}
      {!running && <ReadOnlyPill why={readOnlyWhy} />}
    </>
  );
}
