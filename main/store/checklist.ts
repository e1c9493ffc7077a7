import type Database from 'better-sqlite3';
import type { ActionName, ActionResultDto, ChecklistItem, GaugesDto } from '../../preload/contract.ts';

/** Every serving process's gauges, read at one moment. */
export function addGauges(db: Database.Database, sessionId: number, label: string, set: GaugesDto[]): void {
  const insert = db.prepare(`INSERT INTO gauges (session_id, pid, t, label, data) VALUES (?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const g of set) insert.run(sessionId, g.pid, g.t, label, JSON.stringify(g));
  })();
}

/** The newest gauges of each process of the session. */
export function latestGauges(db: Database.Database, sessionId: number): GaugesDto[] {
  const rows = db
    .prepare(
      `SELECT data FROM gauges g WHERE session_id = ? AND t = (
         SELECT max(t) FROM gauges WHERE session_id = g.session_id AND pid = g.pid) ORDER BY pid`,
    )
    .pluck()
    .all(sessionId) as string[];
  return rows.map((r) => JSON.parse(r) as GaugesDto);
}

/** What the probe answered for an action (stored as one JSON column). */
export type ActionReply = Pick<ActionResultDto, 'before' | 'after' | 'effect' | 'message'>;

/** An action as it is stored: the row's own fields, and the probe's reply (null when it failed). */
export type NewAction = Omit<ActionResultDto, 'id' | keyof ActionReply> & { result: ActionReply | null };

export function addAction(db: Database.Database, sessionId: number, a: NewAction): number {
  return Number(
    db
      .prepare(
        `INSERT INTO actions (session_id, pid, t, item, name, args, ok, error, result)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sessionId,
        a.pid,
        a.t,
        a.item,
        a.name,
        JSON.stringify(a.args),
        a.ok ? 1 : 0,
        a.error,
        a.result ? JSON.stringify(a.result) : null,
      ).lastInsertRowid,
  );
}

export function actionsFor(db: Database.Database, sessionId: number): ActionResultDto[] {
  const rows = db.prepare(`SELECT * FROM actions WHERE session_id = ? ORDER BY t, id`).all(sessionId) as {
    id: number;
    pid: number;
    t: number;
    item: ChecklistItem | null;
    name: ActionName;
    args: string;
    ok: number;
    error: string | null;
    result: string | null;
  }[];
  return rows.map((r) => {
    const result = r.result ? (JSON.parse(r.result) as ActionReply) : null;
    return {
      id: r.id,
      pid: r.pid,
      t: r.t,
      item: r.item,
      name: r.name,
      args: JSON.parse(r.args) as Record<string, unknown>,
      ok: r.ok === 1,
      error: r.error,
      before: result?.before ?? null,
      after: result?.after ?? null,
      effect: result?.effect ?? null,
      message: result?.message ?? null,
    };
  });
}

export function setDone(db: Database.Database, sessionId: number, item: ChecklistItem, done: boolean): void {
  db.prepare(
    `INSERT INTO checklist (session_id, item, done, t) VALUES (?, ?, ?, ?)
     ON CONFLICT (session_id, item) DO UPDATE SET done = excluded.done, t = excluded.t`,
  ).run(sessionId, item, done ? 1 : 0, Date.now() / 1000);
}

export function doneItems(db: Database.Database, sessionId: number): ChecklistItem[] {
  return db
    .prepare(`SELECT item FROM checklist WHERE session_id = ? AND done = 1 ORDER BY item`)
    .pluck()
    .all(sessionId) as ChecklistItem[];
}
