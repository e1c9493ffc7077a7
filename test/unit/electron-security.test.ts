import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP } from '../../main/csp.ts';
import { API_CHANNELS } from '../../preload/contract.ts';
import { buildInto, runPreload, runShell, type ShellReport } from '../helpers/electron-shell.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * The Electron shell's security settings, checked on what `npm run build` produces (built fresh into a
 * temporary out/ so the check always sees the current sources): the main bundle is run under a stand-in
 * `electron` module and asked what it did; the preload and the renderer's HTML and scripts are read.
 * Every failure names the setting and the built file.
 */

/** Where openExternal may go (main/electron/index.ts OPEN_EXTERNAL_ALLOWED, and running sessions). */
const ALLOWED_EXTERNAL = ['https://docs.djangoproject.com/', 'https://docs.python.org/'];

/** Sources of dynamic code in the bundled plotly.js-dist-min 4.x, none reached by the traces djleak draws. */
const KNOWN_DYNAMIC_CODE: { pattern: string; why: string }[] = [
  {
    pattern: 'Function(`binder`,',
    why: 'function-bind polyfill: used only where Function.prototype.bind is missing (never in Chromium)',
  },
  {
    pattern: 'Function(`return this`)()',
    why: 'bundler global lookup: reached only when neither globalThis nor a sloppy-mode `this` exists',
  },
  {
    pattern: 'Function.apply(null,',
    why: 'regl shader code generation: WebGL traces only (scattergl, splom, parcoords…), which djleak does not draw',
  },
  {
    pattern: 'globalThis.eval(',
    why: 'maplibre worker script loader: map traces only, which djleak does not draw',
  },
];

/** Trace types that reach the code above (WebGL through regl, maps through maplibre). */
const DYNAMIC_CODE_TRACES = [
  'scattergl',
  'splom',
  'parcoords',
  'scatterpolargl',
  'heatmapgl',
  'pointcloud',
  'scattermap',
  'scattermapbox',
  'choroplethmap',
  'choroplethmapbox',
  'densitymap',
  'densitymapbox',
];

const t = tempDir('djleak-security-');
let out = '';
let shell: ShellReport;
let preload: ReturnType<typeof runPreload>;
const mainFile = (): string => path.join(out, 'main', 'index.js');
const preloadFile = (): string => path.join(out, 'preload', 'index.cjs');
const htmlFile = (): string => path.join(out, 'renderer', 'index.html');

beforeAll(() => {
  out = buildInto(t.dir);
  shell = runShell(mainFile(), t.dir);
  preload = runPreload(preloadFile(), t.dir);
}, 180_000);
afterAll(() => t.cleanup());

const SOURCES: Record<string, string> = {
  'main/index.js': 'main/electron/index.ts, menu.ts',
  'preload/index.cjs': 'preload/index.ts',
  'renderer/index.html': 'renderer/index.html',
};
/** A built file as the failure names it: out/… and the source it comes from. */
const rel = (file: string): string => {
  const inOut = path.relative(out, file);
  return `out/${inOut} (built from ${SOURCES[inOut] ?? 'renderer/'}; build in ${out})`;
};

/** What is wrong with a window's shell set-up, each message naming the setting and the file. */
function shellProblems(r: ShellReport, file: string): string[] {
  if (r.error) return [`${file}: the main bundle failed to load under the stand-in: ${r.error}`];
  const p: string[] = [];
  const wp = r.webPreferences;
  const must = (ok: boolean, what: string): void => void (ok || p.push(`${file}: ${what}`));
  must(r.windows === 1, `expected one BrowserWindow at start, got ${r.windows}`);
  must(
    wp.contextIsolation === true,
    `webPreferences.contextIsolation is ${String(wp.contextIsolation)}, must be true`,
  );
  must(wp.sandbox === true, `webPreferences.sandbox is ${String(wp.sandbox)}, must be true`);
  must(wp.nodeIntegration !== true, 'webPreferences.nodeIntegration is true, must be false or absent');
  must(wp.nodeIntegrationInSubFrames !== true, 'webPreferences.nodeIntegrationInSubFrames is true');
  must(wp.nodeIntegrationInWorker !== true, 'webPreferences.nodeIntegrationInWorker is true');
  must(wp.webSecurity !== false, 'webPreferences.webSecurity is false (web security disabled)');
  must(wp.allowRunningInsecureContent !== true, 'webPreferences.allowRunningInsecureContent is true');
  must(wp.enableRemoteModule !== true, 'webPreferences.enableRemoteModule is true (the remote module)');
  must(wp.webviewTag !== true, 'webPreferences.webviewTag is true');
  must(wp.experimentalFeatures !== true, 'webPreferences.experimentalFeatures is true');
  must(
    typeof wp.preload === 'string' && wp.preload.endsWith(path.join('preload', 'index.cjs')),
    `webPreferences.preload is ${String(wp.preload)}, expected the sandboxed preload/index.cjs`,
  );
  must(
    r.navigateListeners > 0 && r.navigationPrevented,
    `navigation is not denied: a 'will-navigate' to https://evil.example/ was ${r.navigateListeners ? 'let through' : 'not handled'}`,
  );
  must(r.redirectPrevented !== false, "a 'will-redirect' handler lets the redirect through");
  for (const w of r.windowOpen)
    must(
      JSON.stringify(w.answer) === JSON.stringify({ action: 'deny' }),
      `setWindowOpenHandler answered ${JSON.stringify(w.answer)} for ${w.url}, must be {action:'deny'}`,
    );
  const opened = r.openExternal.filter((u) => !ALLOWED_EXTERNAL.some((a) => u.startsWith(a)));
  must(opened.length === 0, `shell.openExternal was called outside the allow-list with ${opened.join(', ')}`);
  must(
    r.openExternal.includes('https://docs.djangoproject.com/en/stable/'),
    'an allow-listed link (Django docs) was not opened in the browser',
  );
  const menu = r.menuOpenExternal.filter((u) => !ALLOWED_EXTERNAL.some((a) => u.startsWith(a)));
  must(menu.length === 0, `a menu item opens ${menu.join(', ')}, outside the allow-list`);
  const expected = API_CHANNELS.map((c) => `djleak:${c}`).sort();
  must(
    JSON.stringify([...r.ipcChannels].sort()) === JSON.stringify(expected),
    `IPC handlers differ from the contract: ${r.ipcChannels.filter((c) => !expected.includes(c)).join(', ') || 'some are missing'}`,
  );
  must(
    r.foreignSender.startsWith('refused'),
    `an IPC call from a webContents that is not the app's window was ${r.foreignSender} (the sender check is gone)`,
  );
  must(r.trustedSender === 'answered []', `an IPC call from the app's window was ${r.trustedSender}`);
  must(r.cspHeader !== null, 'no Content-Security-Policy header is injected (onHeadersReceived)');
  if (r.cspHeader) p.push(...cspProblems(r.cspHeader, `${file}: the injected CSP header`));
  return p;
}

function directives(csp: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

function cspProblems(csp: string, where: string): string[] {
  const d = directives(csp);
  const p: string[] = [];
  if (!d.has('default-src')) p.push(`${where}: no default-src`);
  const script = d.get('script-src') ?? d.get('default-src');
  if (!script) return [...p, `${where}: no script-src (nor default-src)`];
  for (const bad of [
    "'unsafe-eval'",
    "'unsafe-inline'",
    "'unsafe-hashes'",
    '*',
    'data:',
    'blob:',
    'http:',
    'https:',
  ])
    if (script.includes(bad)) p.push(`${where}: script-src allows ${bad}`);
  const object = d.get('object-src');
  if (object?.join(' ') !== "'none'")
    p.push(`${where}: object-src must be 'none' (is ${object?.join(' ') ?? 'absent'})`);
  const base = d.get('base-uri');
  if (base?.join(' ') !== "'none'")
    p.push(`${where}: base-uri must be 'none' (is ${base?.join(' ') ?? 'absent'})`);
  if ((d.get('connect-src') ?? []).includes('*')) p.push(`${where}: connect-src allows *`);
  return p;
}

function htmlProblems(html: string, file: string): string[] {
  const p: string[] = [];
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
  if (!meta) p.push(`${file}: no Content-Security-Policy <meta> (a file:// page gets no CSP header)`);
  else p.push(...cspProblems(meta[1]!, `${file}: the CSP <meta>`));
  for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi))
    if (!/\bsrc=/.test(script[1]!) || script[2]!.trim()) p.push(`${file}: an inline <script>`);
  if (/\son[a-z]+\s*=/i.test(html)) p.push(`${file}: an inline event handler attribute`);
  return p;
}

/** Dynamic-code sites in a built script: direct eval, Function constructors, string timers. */
function dynamicCode(text: string): { pattern: string; at: number }[] {
  const found: { pattern: string; at: number }[] = [];
  const patterns = [
    /(?<![\w$.])eval\s*\(/g,
    /globalThis\.eval\s*\(/g,
    /new\s+Function\s*\(/g,
    /(?<![\w$.])Function\s*\(/g,
    /(?<![\w$])Function\.(?:apply|call)\s*\(/g,
    /set(?:Timeout|Interval)\(\s*["'`]/g,
  ];
  for (const re of patterns)
    for (const m of text.matchAll(re)) {
      const known = KNOWN_DYNAMIC_CODE.find((k) => text.startsWith(k.pattern, m.index));
      found.push({
        pattern: known?.pattern ?? text.slice(Math.max(0, m.index - 40), m.index + 60),
        at: m.index,
      });
    }
  return found;
}

describe('Electron security of the built app', () => {
  it('main: one sandboxed, context-isolated window without Node, navigation and new windows denied, IPC from that window only, openExternal through the allow-list', () => {
    expect(shellProblems(shell, rel(mainFile()))).toEqual([]);
  });

  it('main: no remote module, no insecure switches, one window, one openExternal per allow-listed use', () => {
    const text = readFileSync(mainFile(), 'utf8');
    const where = rel(mainFile());
    const p: string[] = [];
    const forbidden: [RegExp, string][] = [
      [/@electron\/remote|enableRemoteModule/, 'the remote module'],
      [/allowRunningInsecureContent\s*:\s*true/, 'allowRunningInsecureContent: true'],
      [/nodeIntegration\w*\s*:\s*true/, 'nodeIntegration…: true'],
      [/contextIsolation\s*:\s*false/, 'contextIsolation: false'],
      [/sandbox\s*:\s*false/, 'sandbox: false'],
      [/webSecurity\s*:\s*false/, 'webSecurity: false'],
      [/disable-web-security|ignore-certificate-errors|no-sandbox/, 'an insecure command-line switch'],
      [/webviewTag\s*:\s*true/, 'webviewTag: true'],
    ];
    for (const [re, what] of forbidden) if (re.test(text)) p.push(`${where}: ${what}`);
    const windows = text.match(/new BrowserWindow\(/g)?.length ?? 0;
    if (windows !== 1)
      p.push(`${where}: ${windows} BrowserWindow constructions (expected 1: review the new one)`);
    // Two call sites today: the window-open handler (behind externalAllowed) and the Help menu's docs link.
    const externals = text.match(/\.openExternal\(/g)?.length ?? 0;
    if (externals !== 2)
      p.push(
        `${where}: ${externals} shell.openExternal call sites (expected 2: review that a new one uses the allow-list)`,
      );
    expect(p).toEqual([]);
  });

  it('main: asks for the single-instance lock before opening a window', () => {
    expect(shell.singleInstanceLock, `${rel(mainFile())}: app.requestSingleInstanceLock() never called`).toBe(
      true,
    );
  });

  it('preload: exposes only call, onEvent and pathForFile, prefixes every channel, never hands the IPC event to the page', () => {
    const where = rel(preloadFile());
    expect(preload.worldKeys, `${where}: exposeInMainWorld keys`).toEqual(['djleak']);
    expect(preload.exposed, `${where}: what window.djleak carries`).toEqual({
      call: 'function',
      onEvent: 'function',
      // A dropped file's path (webUtils.getPathForFile): the page learns paths of files the user gave it.
      pathForFile: 'function',
    });
    expect(
      preload.invoked.map((a) => (a as unknown[])[0]),
      `${where}: ipcRenderer.invoke channels`,
    ).toEqual(['djleak:sessions.list', 'djleak:../../evil']);
    expect(
      preload.listenerArgs,
      `${where}: arguments an onEvent listener receives (the IpcRendererEvent must not leak)`,
    ).toBe(1);
    const text = readFileSync(preloadFile(), 'utf8');
    expect(text, `${where}: the preload must not require anything but electron`).not.toMatch(
      /require\((?!["']electron["'])/,
    );
  });

  it('renderer: a CSP without unsafe-eval or inline script in the HTML and in the header, no inline script', () => {
    expect(htmlProblems(readFileSync(htmlFile(), 'utf8'), rel(htmlFile()))).toEqual([]);
    expect(cspProblems(CSP, 'main/csp.ts (browser-mode and Electron header)')).toEqual([]);
    expect(shell.cspHeader, `${rel(mainFile())}: injected header differs from main/csp.ts`).toBe(CSP);
  });

  it("renderer: no dynamic code in the app's own scripts; in plotly only known sites that djleak's traces never reach", () => {
    const assets = path.join(out, 'renderer', 'assets');
    const report: Record<string, string[]> = {};
    const unknown: string[] = [];
    for (const name of readdirSync(assets).filter((f) => f.endsWith('.js'))) {
      const sites = dynamicCode(readFileSync(path.join(assets, name), 'utf8'));
      report[name] = sites.map((s) => s.pattern);
      const isPlotly = name.startsWith('plotly');
      for (const s of sites)
        if (!isPlotly || !KNOWN_DYNAMIC_CODE.some((k) => k.pattern === s.pattern))
          unknown.push(`out/renderer/assets/${name}@${s.at}: ${s.pattern}`);
    }
    console.log(`[electron security] dynamic-code sites in the renderer build: ${JSON.stringify(report)}`);
    expect(unknown, 'dynamic code that needs unsafe-eval').toEqual([]);
    const app = readdirSync(assets)
      .filter((f) => f.endsWith('.js') && !f.startsWith('plotly'))
      .map((f) => readFileSync(path.join(assets, f), 'utf8'))
      .join('\n');
    const drawn = DYNAMIC_CODE_TRACES.filter((type) => new RegExp(`type:\\s*["'\`]${type}["'\`]`).test(app));
    expect(drawn, 'trace types that run plotly code needing unsafe-eval').toEqual([]);
  });

  it('the checks fail on a flipped sandbox, a navigation let through, an open window handler and unsafe-eval (mutated copies of the build)', () => {
    const original = readFileSync(mainFile(), 'utf8');
    const mutate = (name: string, from: string | RegExp, to: string): string[] => {
      const text = original.replace(from, to);
      expect(text, `mutation ${name} applies`).not.toBe(original);
      const dir = path.join(t.dir, `mutant-${name}`, 'out', 'main');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'index.js'), text);
      return shellProblems(runShell(path.join(dir, 'index.js'), t.dir), `mutant-${name}`);
    };
    expect(mutate('sandbox', 'sandbox: true', 'sandbox: false')).toEqual([
      'mutant-sandbox: webPreferences.sandbox is false, must be true',
    ]);
    expect(
      mutate('navigate', /contents\.on\("will-navigate", \(event\) => event\.preventDefault\(\)\);/, ''),
    ).toEqual([
      "mutant-navigate: navigation is not denied: a 'will-navigate' to https://evil.example/ was not handled",
    ]);
    expect(
      mutate('window-open', 'return { action: "deny" };', 'return { action: "allow" };').join('\n'),
    ).toMatch(/setWindowOpenHandler answered \{"action":"allow"\} for https:\/\/evil\.example\//);
    expect(mutate('sender', 'if (!trusted(event.sender))', 'if (false)').join('\n')).toMatch(
      /the sender check is gone/,
    );
    const html = readFileSync(htmlFile(), 'utf8').replace(
      "script-src 'self'",
      "script-src 'self' 'unsafe-eval'",
    );
    expect(htmlProblems(html, 'mutant.html')).toEqual([
      "mutant.html: the CSP <meta>: script-src allows 'unsafe-eval'",
    ]);
  });
});
