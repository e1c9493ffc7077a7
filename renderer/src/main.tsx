import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { SessionSummaryDto } from '../../preload/contract.ts';
import { api } from './api.ts';

function Sessions() {
  const [sessions, setSessions] = useState<SessionSummaryDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.call('sessions.list', {}).then(setSessions, (e: Error) => setError(e.message));
  }, []);
  if (error) return <p role="alert">{error}</p>;
  if (!sessions) return <p>Loading the library…</p>;
  if (sessions.length === 0)
    return (
      <p>
        No sessions yet. Run <code>djleak run --demo</code> to record one.
      </p>
    );
  return (
    <table>
      <thead>
        <tr>
          <th>#</th>
          <th>Name</th>
          <th>Status</th>
          <th>Requests</th>
          <th>Peak RSS</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.id}>
            <td>{s.id}</td>
            <td>{s.name}</td>
            <td>{s.status}</td>
            <td>{s.requests}</td>
            <td>{s.peak_rss === null ? '—' : `${(s.peak_rss / 1048576).toFixed(1)} MB`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main style={{ fontFamily: 'system-ui', margin: '2rem' }}>
      <h1>djleak</h1>
      <Sessions />
    </main>
  </StrictMode>,
);
