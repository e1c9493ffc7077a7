import { app, BrowserWindow, ipcMain, shell, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_CHANNELS } from '../../preload/contract.ts';
import { createHandlers, dispatch } from '../api/index.ts';
import { ApiError } from '../api/errors.ts';
import { Engine } from '../engine.ts';
import { CSP } from '../csp.ts';
import { installMenu } from './menu.ts';
import { filesToOpen, openFromOs } from '../open-files.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const OPEN_EXTERNAL_ALLOWED = ['https://docs.djangoproject.com/', 'https://docs.python.org/'];

if (app.isPackaged) process.env.DJLEAK_RESOURCES ??= process.resourcesPath;

/** Links open in the user's browser only for the docs and the loopback servers of running sessions. */
function externalAllowed(url: string, engine: Engine): boolean {
  if (OPEN_EXTERNAL_ALLOWED.some((prefix) => url.startsWith(prefix))) return true;
  const running = [...engine.running.values()].map((i) => `http://127.0.0.1:${i.port}/`);
  return running.some((prefix) => url.startsWith(prefix));
}

function harden(contents: WebContents, engine: Engine): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (externalAllowed(url, engine)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

function createWindow(engine: Engine): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'djleak',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.webContents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  harden(win.webContents, engine);
  void win.loadFile(path.join(here, '../renderer/index.html'));
  return win;
}

// Files the OS asks us to open (macOS sends them before the app is ready; others pass them on argv).
const pendingFiles: string[] = filesToOpen(process.argv.slice(1));
let openFile = (file: string): void => void pendingFiles.push(file);
app.on('open-file', (event, file) => {
  event.preventDefault();
  openFile(file);
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(() => {
    const engine = new Engine(app.getPath('userData'));
    const handlers = createHandlers(engine);
    installMenu();
    let win = createWindow(engine);
    const trusted = (sender: WebContents): boolean => sender === win.webContents;
    for (const channel of API_CHANNELS) {
      ipcMain.handle(`djleak:${channel}`, async (event, args: unknown) => {
        if (!trusted(event.sender)) throw new Error('djleak: call from an unknown window refused');
        try {
          return await dispatch(handlers, channel, args);
        } catch (error) {
          const e = error instanceof ApiError ? error : new ApiError('internal', String(error));
          throw new Error(JSON.stringify(e.toWire()));
        }
      });
    }
    engine.onEvent((event) => win.webContents.send('djleak:event', event));
    openFile = (file) => void openFromOs(engine, handlers, file);
    // Once the page listens for events: the files given at start-up.
    win.webContents.once('did-finish-load', () => pendingFiles.splice(0).forEach(openFile));
    app.on('second-instance', (_event, argv, cwd) => {
      if (win.isMinimized()) win.restore();
      win.focus();
      filesToOpen(argv.slice(1), cwd).forEach(openFile);
    });
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) win = createWindow(engine);
    });
    let quitting = false;
    app.on('before-quit', (event) => {
      if (quitting) return;
      event.preventDefault();
      quitting = true;
      void engine.shutdown().finally(() => app.quit());
    });
    app.on('window-all-closed', () => {
      if (process.platform !== 'darwin') app.quit();
    });
  });
}
