import { spawn, spawnSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export class SourceOpenError extends Error {}

/**
 * The file to open, only when it lies inside the project once links are resolved: the path comes from a
 * traceback (a probe message), so it is checked here, not trusted.
 */
export function projectFile(projectRoot: string, file: string): string {
  const outside = (root: string, target: string): boolean => {
    const rel = path.relative(root, target);
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel);
  };
  const refuse = (): never => {
    throw new SourceOpenError(
      `${file} is outside the project (${projectRoot}): only project files are opened`,
    );
  };
  const wanted = path.resolve(projectRoot, file);
  if (outside(path.resolve(projectRoot), wanted)) refuse();
  let root: string;
  let real: string;
  try {
    root = realpathSync(projectRoot);
  } catch {
    throw new SourceOpenError(`the project folder ${projectRoot} no longer exists`);
  }
  try {
    real = realpathSync(wanted);
  } catch {
    throw new SourceOpenError(`${file} no longer exists`);
  }
  if (outside(root, real)) refuse(); // a link inside the project that points out of it
  if (!statSync(real).isFile()) throw new SourceOpenError(`${file} is not a file`);
  return real;
}

/** argv for one editor command: `{file}` and `{line}` in a template are replaced, else the file is appended. */
export function editorArgv(template: string, file: string, line: number): string[] {
  const words = template.match(/"[^"]*"|'[^']*'|\S+/g)?.map((w) => w.replace(/^(["'])(.*)\1$/, '$2')) ?? [];
  if (words.length === 0) throw new SourceOpenError('DJLEAK_EDITOR is empty');
  const uses = words.some((w) => w.includes('{file}'));
  const argv = words.map((w) => w.replaceAll('{file}', file).replaceAll('{line}', String(line)));
  return uses ? argv : [...argv, file];
}

const onPath = (command: string): boolean =>
  spawnSync(process.platform === 'win32' ? 'where' : 'which', [command], { stdio: 'ignore' }).status === 0;

/** DJLEAK_EDITOR (a command template), else VS Code at the line, else the system's opener for the file. */
export function editorCommand(file: string, line: number, env = process.env): string[] {
  if (env.DJLEAK_EDITOR) return editorArgv(env.DJLEAK_EDITOR, file, line);
  if (onPath('code')) return ['code', '--goto', `${file}:${line}`];
  if (process.platform === 'darwin') return ['open', file];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '', file];
  if (onPath('xdg-open')) return ['xdg-open', file];
  throw new SourceOpenError(
    'no editor found: set DJLEAK_EDITOR, e.g. DJLEAK_EDITOR="code --goto {file}:{line}" or "subl {file}:{line}"',
  );
}

/** Starts the editor detached (it outlives djleak); resolves once it has started. */
export function openInEditor(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore' });
    child.once('error', (error) =>
      reject(new SourceOpenError(`could not start ${argv[0]}: ${error.message}`)),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
