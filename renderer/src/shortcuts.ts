/** Cmd on macOS, Ctrl elsewhere: the label the shortcut list and button hints show. */
export const MOD = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

export interface ShortcutInfo {
  keys: string[];
  what: string;
  soon?: boolean;
}

export const SHORTCUTS: ShortcutInfo[] = [
  { keys: [MOD, 'Enter'], what: 'Start the investigation in the form (Start view)' },
  { keys: [MOD, '.'], what: 'Stop the running session' },
  { keys: [MOD, 'Shift', 'L'], what: 'Scan the running session for leaks' },
  { keys: ['/'], what: 'Filter the request log (Live view)' },
  { keys: ['g', 's'], what: 'Go to Start' },
  { keys: ['g', 'l'], what: 'Go to Live' },
  { keys: ['g', 'm'], what: 'Go to Snapshots (memory)' },
  { keys: ['g', 'c'], what: 'Go to Checklist (fixes)' },
  { keys: ['g', 'h'], what: 'Go to Sessions (history)' },
  { keys: ['?'], what: 'Show or hide this list' },
  { keys: ['Esc'], what: 'Close a dialog' },
  { keys: [MOD, 'Shift', 'S'], what: 'Take a memory snapshot' },
];

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}
