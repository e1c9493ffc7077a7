import type { ReactNode } from 'react';
import { useNav, type View } from '../store/nav.ts';
import { EmptyState } from './EmptyState.tsx';

const HEADINGS: Partial<Record<View, string>> = {
  live: 'Live',
  snapshots: 'Snapshots',
  checklist: 'Checklist',
};

/** A view that belongs to a session, shown with none selected: what to do, and the way to Start or Sessions. */
export function NoSessionState({
  testId,
  title,
  children,
}: {
  testId: string;
  title: string;
  children: ReactNode;
}) {
  const go = useNav((s) => s.go);
  const view = useNav((s) => s.view);
  return (
    <div className="view" data-testid={testId}>
      <header className="view-head">
        <h1>{HEADINGS[view] ?? title}</h1>
      </header>
      <EmptyState title={title}>
        <p>{children}</p>
        <div className="empty-actions">
          <button type="button" className="btn btn-primary" onClick={() => go('start')}>
            New investigation
          </button>
          <button type="button" className="btn" onClick={() => go('sessions')}>
            Sessions
          </button>
        </div>
      </EmptyState>
    </div>
  );
}
