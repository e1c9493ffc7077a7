import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './demo.ts';

/**
 * Runs the built Electron main bundle (out/main/index.js) in plain Node with a stand-in for the `electron`
 * module that records what the shell does: the window's options, its navigation and window-open handlers,
 * the IPC handlers, the CSP header hook and openExternal calls. No Electron binary is needed or loaded.
 */

/** What the stand-in records, as JSON from the child process. */
export interface ShellReport {
  windows: number;
  webPreferences: Record<string, unknown>;
  loaded: string | null;
  navigateListeners: number;
  navigationPrevented: boolean;
  redirectPrevented: boolean | null;
  windowOpen: { url: string; answer: unknown }[];
  openExternal: string[];
  menuOpenExternal: string[];
  ipcChannels: string[];
  foreignSender: string;
  trustedSender: string;
  cspHeader: string | null;
  /** The shell asked for the single-instance lock (a second app would share the library's writer). */
  singleInstanceLock: boolean;
  error?: string;
}

const ELECTRON_STANDIN = `
import { EventEmitter } from 'node:events';
const state = (globalThis.__electronStandIn = {
  windows: [], ipc: new Map(), openExternal: [], headerHooks: [], menu: null,
});
class WebContents extends EventEmitter {
  constructor() {
    super();
    this.session = { webRequest: { onHeadersReceived: (fn) => state.headerHooks.push(fn) } };
    this.windowOpenHandler = null;
  }
  setWindowOpenHandler(fn) { this.windowOpenHandler = fn; }
  send() {}
}
export class BrowserWindow {
  constructor(options) {
    this.options = options;
    this.webContents = new WebContents();
    this.loaded = null;
    state.windows.push(this);
  }
  loadFile(file) { this.loaded = file; return Promise.resolve(); }
  loadURL(url) { this.loaded = url; return Promise.resolve(); }
  isMinimized() { return false; }
  restore() {}
  focus() {}
  static getAllWindows() { return state.windows; }
}
export const app = {
  isPackaged: false,
  requestSingleInstanceLock: () => ((state.singleInstance = true), true),
  quit() {},
  whenReady: () => Promise.resolve(),
  getPath: () => process.env.DJLEAK_STANDIN_USERDATA,
  on() {},
};
export const ipcMain = { handle: (channel, fn) => state.ipc.set(channel, fn), on() {} };
export const shell = { openExternal: (url) => (state.openExternal.push(url), Promise.resolve()) };
export const Menu = { buildFromTemplate: (t) => t, setApplicationMenu: (m) => (state.menu = m) };
export default { app, BrowserWindow, ipcMain, shell, Menu };
`;

const LOADER = (standIn: string) => `
const standIn = ${JSON.stringify(standIn)};
const repo = ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'package.json')).href)};
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (error) {
    // The bundle lives outside the repository: its dependencies resolve from the repository's node_modules.
    if (/^[@a-z]/i.test(specifier) && !specifier.startsWith('node:')) return next(specifier, { ...context, parentURL: repo });
    throw error;
  }
}
`;

const PROBE = (bundle: string) => `
const report = { openExternal: [], menuOpenExternal: [] };
try {
  await import(${JSON.stringify(pathToFileURL(bundle).href)});
  await new Promise((r) => setTimeout(r, 100));
  const s = globalThis.__electronStandIn;
  const win = s.windows[0];
  report.windows = s.windows.length;
  report.singleInstanceLock = s.singleInstance === true;
  report.webPreferences = win.options.webPreferences ?? {};
  report.loaded = win.loaded;
  const wc = win.webContents;
  report.navigateListeners = wc.listenerCount('will-navigate');
  let prevented = false;
  wc.emit('will-navigate', { preventDefault: () => (prevented = true), url: 'https://evil.example/' }, 'https://evil.example/');
  report.navigationPrevented = prevented;
  if (wc.listenerCount('will-redirect')) {
    let redirected = false;
    wc.emit('will-redirect', { preventDefault: () => (redirected = true) }, 'https://evil.example/');
    report.redirectPrevented = redirected;
  } else report.redirectPrevented = null;
  const urls = ['https://evil.example/', 'javascript:alert(1)', 'file:///etc/passwd', 'http://127.0.0.1:1/',
    'https://docs.djangoproject.com.evil.example/', 'https://docs.djangoproject.com/en/stable/'];
  report.windowOpen = urls.map((url) => ({ url, answer: wc.windowOpenHandler ? wc.windowOpenHandler({ url }) : null }));
  await new Promise((r) => setTimeout(r, 10));
  report.openExternal = [...s.openExternal];
  const clicks = [];
  const walk = (items) => { for (const i of items ?? []) { if (i.click) clicks.push(i.click); walk(i.submenu); } };
  walk(s.menu);
  s.openExternal.length = 0;
  for (const click of clicks) click();
  await new Promise((r) => setTimeout(r, 10));
  report.menuOpenExternal = [...s.openExternal];
  report.ipcChannels = [...s.ipc.keys()];
  const handler = s.ipc.get('djleak:sessions.list');
  report.foreignSender = await handler({ sender: {} }, {}).then((v) => 'answered ' + JSON.stringify(v), (e) => 'refused: ' + e.message);
  report.trustedSender = await handler({ sender: wc }, {}).then((v) => 'answered ' + JSON.stringify(v), (e) => 'refused: ' + e.message);
  report.cspHeader = null;
  for (const hook of s.headerHooks) hook({ responseHeaders: {} }, (r) => (report.cspHeader = [].concat(r.responseHeaders['Content-Security-Policy'] ?? []).join('; ')));
} catch (error) {
  report.error = String(error && error.stack || error);
}
console.log('SHELL-REPORT ' + JSON.stringify(report));
process.exit(0);
`;

/** `electron-vite build --outDir DIR/out`: the same build as `npm run build`, beside the repository's own out/. */
export function buildInto(dir: string): string {
  const out = path.join(dir, 'out');
  execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'electron-vite'), ['build', '--outDir', out], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return out;
}

let probes = 0;

/** Loads `bundle` (a built main entry) under the stand-in and reports what the shell set up. */
export function runShell(bundle: string, dir: string): ShellReport {
  const work = path.join(dir, 'standin');
  mkdirSync(path.join(work, 'userdata'), { recursive: true });
  const standIn = path.join(work, 'electron.mjs');
  writeFileSync(standIn, ELECTRON_STANDIN);
  writeFileSync(path.join(work, 'loader.mjs'), LOADER(pathToFileURL(standIn).href));
  writeFileSync(
    path.join(work, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(work, 'loader.mjs')).href)});\n`,
  );
  const probe = path.join(work, `probe-${++probes}.mjs`);
  writeFileSync(probe, PROBE(bundle));
  const run = spawnSync(process.execPath, ['--import', path.join(work, 'register.mjs'), probe], {
    cwd: work,
    env: { ...process.env, DJLEAK_STANDIN_USERDATA: path.join(work, 'userdata') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('SHELL-REPORT '));
  if (!line) throw new Error(`the shell bundle did not report:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line.slice('SHELL-REPORT '.length)) as ShellReport;
}

/** What the preload exposes, run under a stand-in `require('electron')` (CommonJS, as the sandbox loads it). */
export function runPreload(
  preload: string,
  dir: string,
): { exposed: Record<string, string>; worldKeys: string[]; invoked: unknown[]; listenerArgs: number } {
  const probe = path.join(dir, 'preload-probe.cjs');
  writeFileSync(
    probe,
    `const Module = require('node:module');
const worlds = {};
const invoked = [];
const listeners = [];
const fake = {
  contextBridge: { exposeInMainWorld: (key, api) => (worlds[key] = api) },
  ipcRenderer: {
    invoke: (...args) => (invoked.push(args), Promise.resolve()),
    on: (channel, fn) => listeners.push(fn),
    removeListener() {},
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? fake : load.call(this, request, ...rest);
};
require(${JSON.stringify(preload)});
const api = worlds.djleak ?? {};
const exposed = Object.fromEntries(Object.entries(api).map(([k, v]) => [k, typeof v]));
api.call && api.call('sessions.list', {});
api.call && api.call('../../evil', {});
let listenerArgs = -1;
api.onEvent && api.onEvent((...args) => (listenerArgs = args.length));
for (const fn of listeners) fn({ sender: 'ipc-event-with-sender' }, { kind: 'tick', sessionId: 1 });
console.log('PRELOAD-REPORT ' + JSON.stringify({ exposed, worldKeys: Object.keys(worlds), invoked, listenerArgs }));
`,
  );
  const run = spawnSync(process.execPath, [probe], { encoding: 'utf8', timeout: 30_000 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('PRELOAD-REPORT '));
  if (!line) throw new Error(`the preload did not report:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line.slice('PRELOAD-REPORT '.length)) as ReturnType<typeof runPreload>;
}
