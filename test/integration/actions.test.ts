import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { demoPython } from '../helpers/demo.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

async function get(port: number, route: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await (await fetch(`http://127.0.0.1:${port}${route}`)).arrayBuffer();
}

describe('fix actions on the demo (measured before and after, stored with the session)', () => {
  it(
    'each action changes what it should; irreversible ones need a confirmation',
    { timeout: 120_000 },
    async () => {
      const engine = testEngine(cleanups);
      const handlers = createHandlers(engine);
      const { sessionId, port } = await dispatch(handlers, 'investigation.start', {
        demo: true,
        python: demoPython,
      });
      const run = (args: Omit<Parameters<typeof dispatch<'actions.run'>>[2], 'sessionId'>) =>
        dispatch(handlers, 'actions.run', { sessionId, ...args });

      // The planted cache: clearing the module-level dict frees its fragments (~45 KB each).
      await get(port, '/cache/leak/', 40);
      await expect(
        run({ name: 'container_clear', target: 'shop.fragments._PRICE_LIST_FRAGMENTS' }),
      ).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('confirm it') });
      const [cleared] = await run({
        name: 'container_clear',
        target: 'shop.fragments._PRICE_LIST_FRAGMENTS',
        item: 'clear-caches',
        confirm: true,
      });
      expect(cleared).toMatchObject({ ok: true, item: 'clear-caches' });
      // sizes read as sizes, not as a raw byte count
      expect(cleared!.message).toMatch(
        /^cleared shop\.fragments\._PRICE_LIST_FRAGMENTS \(\d+ entries, ~[\d.]+ MB\)$/,
      );
      const effect = cleared!.effect as Record<string, number>;
      expect(effect.entries_before).toBeGreaterThanOrEqual(40);
      expect(effect.entries_after).toBe(0);
      expect(effect.bytes_before! - effect.bytes_after!).toBeGreaterThan(40 * 40_000);
      expect(cleared!.before!.rss).toBeGreaterThan(0);
      expect(cleared!.after!.rss).toBeGreaterThan(0);
      // The heap in use falls by what the entries held (RSS may not: freed memory stays for reuse).
      const freed = effect.bytes_before! - effect.bytes_after!;
      expect(cleared!.before!.heap! - cleared!.after!.heap!).toBeGreaterThan(0.8 * freed);

      // Django's local-memory cache (the product list page is cached there).
      await get(port, '/products/', 1);
      const [cache] = await run({ name: 'cache_clear', alias: 'default', confirm: true });
      expect(cache!.effect).toMatchObject({ entries_before: 1, entries_after: 0, bytes_after: 0 });
      expect((cache!.effect as Record<string, number>).bytes_before).toBeGreaterThan(1000);
      const [missing] = await run({ name: 'cache_clear', alias: 'nope', confirm: true });
      expect(missing).toMatchObject({ ok: false, error: "no cache alias 'nope' (configured: default)" });

      // The planted cycles: a full collection frees them (gc is off in the demo).
      await get(port, '/gc/leak/', 30);
      const [collected] = await run({ name: 'gc_collect' });
      const gc = collected!.effect as Record<string, number>;
      expect(gc.collected).toBeGreaterThan(30 * 300);
      expect(gc.garbage_bytes).toBeGreaterThan(30 * 20_000);
      expect(collected!.after!.gc_objects).toBeLessThan(collected!.before!.gc_objects - 30 * 300);

      // Background threads' connections: reported, only their own threads can close them.
      await get(port, '/db/leak/', 5);
      const [close] = await run({ name: 'close_connections' });
      expect((close!.effect as Record<string, number>).held_by_other_threads).toBeGreaterThanOrEqual(5);
      expect(close!.message).toContain('stock-watch');

      await get(port, '/session/leak/', 3);
      const [lru] = await run({ name: 'lru_clear', target: 'shop.history._thumbnail', confirm: true });
      expect((lru!.effect as Record<string, number>).entries_before).toBeGreaterThan(0);
      expect(lru!.effect).toMatchObject({ entries_after: 0 });
      const [sessions] = await run({ name: 'clear_expired_sessions', confirm: true });
      expect(sessions).toMatchObject({ ok: true, effect: { expired_after: 0 } });
      const [queries] = await run({ name: 'reset_queries' });
      expect(queries).toMatchObject({ ok: true, effect: { queries_after: 0 } });

      // Stored with the session, in order; the checklist shows them.
      const list = await dispatch(handlers, 'checklist.get', { sessionId, refresh: true });
      expect(list.actions.map((a) => a.name)).toEqual([
        'container_clear',
        'cache_clear',
        'cache_clear',
        'gc_collect',
        'close_connections',
        'lru_clear',
        'clear_expired_sessions',
        'reset_queries',
      ]);
      expect(list.gauges_at).not.toBeNull();
      const db = list.findings.find((f) => f.item === 'close-db-connections')!;
      expect(db.evidence.db).toMatchObject({ open_by_thread_name: { 'stock-watch': expect.any(Number) } });

      await dispatch(handlers, 'checklist.tick', { sessionId, item: 'clear-caches', done: true });
      await dispatch(handlers, 'investigation.stop', { sessionId });
      await expect(run({ name: 'gc_collect' })).rejects.toMatchObject({ code: 'not-found' });
      const stopped = await dispatch(handlers, 'checklist.get', { sessionId });
      expect(stopped.done).toEqual(['clear-caches']);
      expect(stopped.actions).toHaveLength(8);
    },
  );
});
