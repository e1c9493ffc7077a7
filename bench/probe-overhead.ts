import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { choosePort } from '../main/launcher/project.ts';
import { demoDir, probeDir } from '../main/paths.ts';
import { demoPython } from '../test/helpers/demo.ts';
import { tempDir } from '../test/helpers/tmp.ts';

type Mode = 'plain' | 'probe' | 'probe+trace';

function get(port: number, p: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function ready(port: number): Promise<void> {
  const agent = new http.Agent();
  for (let i = 0; i < 300; i++) {
    try {
      await get(port, '/', agent);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('bench target did not start');
}

/**
 * gunicorn with one sync worker on the demo: plain, under the probe in light mode (recording to a file, the
 * same messages a live link carries), and under the probe with tracemalloc on (1 frame) from the start.
 */
async function start(mode: Mode, port: number, dbFile: string, recordFile: string): Promise<ChildProcess> {
  const gunicorn = [
    '-m',
    'gunicorn',
    'leaky_shop.wsgi:application',
    '--workers',
    '1',
    '--bind',
    `127.0.0.1:${port}`,
  ];
  const args = mode === 'plain' ? gunicorn : ['-m', 'djleak_probe', 'run', '--', ...gunicorn];
  const env: NodeJS.ProcessEnv = { ...process.env, LEAKY_SHOP_DB: dbFile, PYTHONPATH: probeDir() };
  if (mode !== 'plain') env.DJLEAK_RECORD = recordFile;
  if (mode === 'probe+trace') env.PYTHONTRACEMALLOC = '1';
  const child = spawn(demoPython, args, { cwd: demoDir(), env, stdio: 'ignore', detached: true });
  await ready(port);
  return child;
}

async function throughput(port: number, p: string, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: false });
  for (let i = 0; i < 20; i++) await get(port, p, agent);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    await get(port, p, agent);
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Ratios of requests/s with the probe to without, measured alternately in one run (A B C A B C …). */
export async function probeOverhead(): Promise<Record<string, unknown>> {
  const t = tempDir('djleak-bench-');
  const endpoints = ['/', '/report/queries/'];
  const modes: Mode[] = ['plain', 'probe', 'probe+trace'];
  const rates: Record<Mode, Record<string, number[]>> = { plain: {}, probe: {}, 'probe+trace': {} };
  try {
    for (let rep = 0; rep < 3; rep++) {
      for (const mode of modes) {
        const port = await choosePort(undefined);
        const child = await start(
          mode,
          port,
          path.join(t.dir, 'shop.sqlite3'),
          path.join(t.dir, `rec-${mode}.ndjson`),
        );
        try {
          for (const ep of endpoints) (rates[mode][ep] ??= []).push(await throughput(port, ep, 3));
        } finally {
          process.kill(-child.pid!, 'SIGKILL');
        }
      }
    }
  } finally {
    t.cleanup();
  }
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const out: Record<string, unknown> = {
    server: 'gunicorn, 1 sync worker',
    repetitions: 3,
    seconds_per_measure: 3,
  };
  for (const ep of endpoints) {
    const plain = median(rates.plain[ep]!);
    out[ep] = {
      plain_rps: Math.round(plain),
      probe_rps: Math.round(median(rates.probe[ep]!)),
      trace_rps: Math.round(median(rates['probe+trace'][ep]!)),
      light_mode_ratio: Math.round((median(rates.probe[ep]!) / plain) * 1000) / 1000,
      trace_mode_ratio: Math.round((median(rates['probe+trace'][ep]!) / plain) * 1000) / 1000,
    };
  }
  return out;
}
