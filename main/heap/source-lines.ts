import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inProject } from '../analysis/snapshot-diff.ts';

/** Source lines for tracebacks, read once per file; a file that no longer exists gives null, never an error. */
export class SourceLines {
  private files = new Map<string, string[] | null>();

  constructor(private readonly projectRoot: string) {}

  code(file: string, line: number): string | null {
    let lines = this.files.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(file, 'utf8').split('\n');
      } catch {
        lines = null;
      }
      this.files.set(file, lines);
    }
    const text = lines?.[line - 1];
    return text === undefined ? null : text.trim();
  }

  rel(file: string): string | null {
    return inProject(file, this.projectRoot) ? path.relative(this.projectRoot, file) : null;
  }

  frame(f: { file: string; line: number }): {
    file: string;
    line: number;
    rel: string | null;
    code: string | null;
  } {
    return { ...f, rel: this.rel(f.file), code: this.code(f.file, f.line) };
  }
}
