/**
 * Python tracebacks read back from a process's output (pure: lines in, structure out). A failed start ends
 * with the *last* exception of a chain (Django's `ImproperlyConfigured: WSGI application … could not be
 * loaded`), but what the user has to fix is the *first* one Python printed (the `ModuleNotFoundError` it was
 * raised from): Python prints a chain oldest first, each traceback joined to the next by one of two sentences.
 */

export interface TracebackFrame {
  /** As printed: absolute, relative to the process's working folder (`manage.py`), or `<frozen os>`. */
  file: string;
  line: number;
  /** The function, or null for the location line of a SyntaxError. */
  func: string | null;
  /** The source line Python showed under the frame, if any. */
  code: string | null;
}

export interface PythonException {
  /** As printed: `ModuleNotFoundError`, `django.core.exceptions.ImproperlyConfigured`. */
  type: string;
  /** The first line of the message ('' when the exception has none). */
  message: string;
  /** Outermost first, as printed. */
  frames: TracebackFrame[];
  /** How this exception follows the one before it in the chain; null for the first. */
  link: 'cause' | 'context' | null;
}

export interface TracebackChain {
  /** Oldest first: `exceptions[0]` is the root, the last is the one that ended the process. */
  exceptions: PythonException[];
  /** The output did not hold the chain's beginning (it starts at a linking sentence). */
  partial: boolean;
}

const HEADER = /^(\s*)Traceback \(most recent call last\):\s*$/;
const FRAME = /^\s*File "(.+)", line (\d+)(?:, in (.+))?\s*$/;
const EXCEPTION = /^([A-Za-z_][\w.]*)(?::(?: (.*))?)?$/;
const LINKS: Record<string, 'cause' | 'context'> = {
  'The above exception was the direct cause of the following exception:': 'cause',
  'During handling of the above exception, another exception occurred:': 'context',
};

/** Lines Python draws under a frame's code to point at the expression (3.11+: ^^^^ and ~~~~). */
const isMarker = (line: string): boolean => /^\s*[~^]+\s*$/.test(line);

/** Reads one traceback from its header at `start`; returns it and the index of the line after it. */
function readTraceback(
  lines: readonly string[],
  start: number,
): { exception: PythonException; next: number } | null {
  const indent = HEADER.exec(lines[start]!)![1]!.length;
  const frames: TracebackFrame[] = [];
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const frame = FRAME.exec(line);
    if (frame) {
      frames.push({ file: frame[1]!, line: Number(frame[2]), func: frame[3] ?? null, code: null });
      continue;
    }
    const last = frames[frames.length - 1];
    const deeper = line.length > indent && /^\s/.test(line.slice(indent));
    if (deeper) {
      // A frame's code line, or the caret and the source of a SyntaxError's location.
      if (last && last.code === null && !isMarker(line)) last.code = line.trim();
      continue;
    }
    // Another process's log line printed in the middle (gunicorn workers share the stream).
    if (line.startsWith('[')) continue;
    const exception = EXCEPTION.exec(line.slice(indent).trimEnd());
    if (!exception || frames.length === 0) return null;
    return {
      exception: { type: exception[1]!, message: exception[2] ?? '', frames, link: null },
      next: i + 1,
    };
  }
  return null;
}

/** The link sentence after a traceback, and the next traceback's header, skipping blank lines. */
function nextLink(
  lines: readonly string[],
  from: number,
): { link: 'cause' | 'context'; header: number } | null {
  let i = from;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const link = LINKS[lines[i]?.trim() ?? ''];
  if (!link) return null;
  i++;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  return i < lines.length && HEADER.test(lines[i]!) ? { link, header: i } : null;
}

/** Whether the traceback at `header` is preceded by a link sentence: its chain began before `lines`. */
function followsLink(lines: readonly string[], header: number): boolean {
  let i = header - 1;
  while (i >= 0 && lines[i]!.trim() === '') i--;
  return i >= 0 && LINKS[lines[i]!.trim()] !== undefined;
}

/** Colours Python 3.13+ adds where it is told to (FORCE_COLOR, PYTHON_COLORS) even when not on a terminal. */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Every traceback chain in the output, in the order printed. Lines that are not part of one are skipped. */
export function parseTracebacks(output: readonly string[]): TracebackChain[] {
  const lines = output.map((l) => l.replace(ANSI, ''));
  const chains: TracebackChain[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!HEADER.test(lines[i]!)) {
      i++;
      continue;
    }
    const partial = followsLink(lines, i);
    const exceptions: PythonException[] = [];
    let header: number | null = i;
    let link: PythonException['link'] = null;
    while (header !== null) {
      const read = readTraceback(lines, header);
      if (!read) break;
      exceptions.push({ ...read.exception, link });
      i = read.next;
      const next = nextLink(lines, i);
      header = next?.header ?? null;
      link = next?.link ?? null;
    }
    if (exceptions.length) chains.push({ exceptions, partial });
    else i++;
  }
  return chains;
}

/**
 * Exceptions that report a failure met elsewhere, not its cause: gunicorn's master halts with HaltServer
 * ('Worker failed to boot.') after its workers printed theirs, and when two workers fail together its stop
 * raises it a second time, printed as a chain of its own after theirs.
 */
const REPORTS_ELSEWHERE = new Set([
  'gunicorn.errors.HaltServer',
  'HaltServer',
  'SystemExit',
  'KeyboardInterrupt',
]);

/**
 * The chain that ended the process: the last complete one printed whose root is a cause, not a report of one
 * (gunicorn prints a chain per worker that failed to boot, then perhaps its master's HaltServer); a partial
 * one, whose start scrolled out of the output kept, or a report, only when there is nothing better.
 */
export function fatalChain(lines: readonly string[]): TracebackChain | null {
  const chains = parseTracebacks(lines);
  const complete = chains.filter((c) => !c.partial);
  return (
    complete.findLast((c) => !REPORTS_ELSEWHERE.has(c.exceptions[0]!.type)) ??
    complete[complete.length - 1] ??
    chains[chains.length - 1] ??
    null
  );
}
