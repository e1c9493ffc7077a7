import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../main/engine.ts';
import { isAlive } from '../../main/store/library.ts';
import { processSummaries, sessionEvents } from '../../main/store/queries.ts';
import { demoPython } from '../helpers/demo.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';

const { cleanups, runAll } = cleanupList();
afterEach(runAll);

const engine = (): Engine => testEngine(cleanups);

const sampleCount = (e: Engine, id: number): number =>
  e.library.db
    .prepare('SELECT count(*) FROM samples s JOIN processes p ON p.id = s.process_id WHERE p.session_id = ?')
    .pluck()
    .get(id) as number;

/** What a local process could learn about the probe link: the target's own environment. */
function linkOf(pid: number): { port: number; token: string } {
  const env = new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
  return { port: Number(env.get('DJLEAK_COLLECTOR')!.split(':')[1]), token: env.get('DJLEAK_TOKEN')! };
}

function send(port: number, text: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

describe('faults on a live demo session', () => {
  it('a target killed with SIGKILL ends the session as crashed and keeps its samples', async () => {
    const e = engine();
    const investigation = await e.startInvestigation({ demo: true, python: demoPython });
    const id = investigation.sessionId;
    await until(
      () => (e.library.db.prepare('SELECT count(*) FROM samples').pluck().get() as number) >= 10,
      '10 stored samples',
    );
    process.kill(investigation.targetPid!, 'SIGKILL');
    expect(await investigation.ended).toBe('crashed');
    const session = e.library.session(id)!;
    expect(session.status).toBe('crashed');
    expect(session.error).toContain('SIGKILL');
    expect(session.ended_at).not.toBeNull();
    expect(sampleCount(e, id)).toBeGreaterThanOrEqual(10);
    expect(processSummaries(e.library.db, id)[0]!.ended_at).not.toBeNull();
  });

  it('a dropped probe link is restored: the process rejoins its session and its samples go on', async () => {
    const e = engine();
    const investigation = await e.startInvestigation({ demo: true, python: demoPython });
    const id = investigation.sessionId;
    await until(() => sampleCount(e, id) >= 10, '10 stored samples');
    const [conn] = investigation.connections;
    const pid = conn!.pid;
    conn!.socket.destroy(); // the link drops (as a broken connection would)
    await until(
      () => investigation.connections.some((c) => c !== conn && c.pid === pid),
      'the probe to reconnect',
    );
    const before = sampleCount(e, id);
    await until(() => sampleCount(e, id) >= before + 10, '10 more samples after the reconnect');
    expect(e.library.session(id)!.status).toBe('running');
    const [proc] = processSummaries(e.library.db, id);
    expect(proc).toMatchObject({ pid, ended_at: null });
    expect(processSummaries(e.library.db, id)).toHaveLength(1); // the same process, not a new one
    // Commands work on the restored link.
    expect(await investigation.servers()[0]!.command('ping', {})).toHaveProperty('t');
    await until(
      () =>
        sessionEvents(e.library.db, id, 500).some((ev) =>
          ev.message.includes('reconnected to the collector'),
        ),
      'the probe to say it reconnected',
    );
  });

  it('a gunicorn master killed with SIGKILL leaves no worker behind', async () => {
    const e = engine();
    const investigation = await e.startInvestigation({
      demo: true,
      python: demoPython,
      server: 'gunicorn',
      workers: 2,
    });
    await until(
      () => investigation.connections.filter((c) => c.hello?.role === 'worker').length === 2,
      'two workers',
    );
    const workers = investigation.connections.filter((c) => c.hello?.role === 'worker').map((c) => c.pid);
    process.kill(investigation.targetPid!, 'SIGKILL');
    expect(await investigation.ended).toBe('crashed');
    // Gunicorn's workers notice their parent is gone and exit: waited for, 60 s only as a hang guard.
    await until(() => workers.every((pid) => !isAlive(pid)), 'the orphaned workers to be gone', 60_000);
  });

  it('refuses a wrong token, drops malformed and oversized probe lines, and the session goes on', async () => {
    const e = engine();
    const investigation = await e.startInvestigation({ demo: true, python: demoPython });
    const id = investigation.sessionId;
    const { port, token } = linkOf(investigation.targetPid!);
    const hello = (tok: string) =>
      JSON.stringify({
        type: 'hello',
        v: 1,
        token: tok,
        pid: 999_999,
        ppid: 1,
        role: 'main',
        t: 1,
        python: '3',
        argv: [],
      });

    await send(port, hello('not-the-token') + '\n');
    await send(
      port,
      hello(token) +
        '\n{"type":"samples","items":[{"rss":"lots"}]}\n' +
        'z'.repeat(2 * 1024 * 1024) +
        '\n{oops\n',
    );
    e.library.db.exec('SELECT 1');
    await until(
      () => sessionEvents(e.library.db, id).some((ev) => ev.message.includes('over')),
      'the oversized line to be logged',
    );
    const before = sampleCount(e, id);
    await until(() => sampleCount(e, id) > before + 5, 'real samples after the bad lines');

    const messages = sessionEvents(e.library.db, id).map((ev) => ev.message);
    expect(messages.some((m) => m.includes('wrong token'))).toBe(true);
    expect(messages.filter((m) => m.includes('dropped a malformed line')).length).toBe(2);
    expect(messages.some((m) => m.includes('dropped a line over'))).toBe(true);
    expect(e.library.session(id)!.status).toBe('running');
    expect(await investigation.stop()).toBe('stopped');
  });
});
