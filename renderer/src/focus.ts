import { useEffect, useRef, type RefObject } from 'react';

/** How long a view that is still loading may take to show its heading before focus stops waiting for it. */
const HEADING_WAIT_MS = 15_000;

const FOCUSABLE =
  'button, [href], input, select, textarea, summary, [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

/**
 * Focuses the heading of the view on screen (its `h1`, focusable by script only: tabIndex -1, no Tab stop).
 * Says whether it took focus.
 */
export function focusViewHeading(): boolean {
  const heading = document.querySelector<HTMLElement>('main h1');
  if (!heading) return false;
  if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
  heading.focus();
  return document.activeElement === heading;
}

/** Focus that nothing holds: on the page itself, or on an element that has left the page. */
function focusLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || !active.isConnected;
}

/**
 * On a move to another view (or to another session in it), focus goes to the new view's heading: from there
 * Tab reaches the view's own controls, and a screen reader says where the user is. A view still loading gets
 * focus once its heading shows. Focus stays where it is when the move came from the guided tour's panel (its
 * Next and Do it buttons lead on), when the user has put it somewhere else meanwhile, and on the first render.
 */
export function useViewFocus(key: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const from = document.activeElement;
    if (from instanceof Element && from.closest('aside.tour')) return;
    const main = document.querySelector('main');
    if (!main) return;
    let focused: Element | null = null;
    const attempt = (): void => {
      const active = document.activeElement;
      // once focused, only a heading that was replaced (the loaded view's for the loading one's) is followed
      if (focused ? !focusLost() || focused.isConnected : active !== from && !focusLost()) return;
      if (focusViewHeading()) focused = document.activeElement;
    };
    attempt();
    const observer = new MutationObserver(attempt);
    observer.observe(main, { childList: true, subtree: true });
    const timer = setTimeout(() => observer.disconnect(), HEADING_WAIT_MS);
    return () => {
      observer.disconnect();
      clearTimeout(timer);
    };
  }, [key]);
}

/** How long a disabled opener is waited for (an action's measurement takes seconds, a re-run's start longer). */
const OPENER_WAIT_MS = 120_000;

function returnWhenEnabled(opener: HTMLElement): void {
  const observer = new MutationObserver(() => {
    if (opener.isConnected && opener.matches(':disabled')) return;
    stop();
    if (!focusLost()) return;
    if (opener.isConnected) opener.focus();
    else focusViewHeading();
  });
  const timer = setTimeout(() => stop(), OPENER_WAIT_MS);
  function stop(): void {
    observer.disconnect();
    clearTimeout(timer);
  }
  observer.observe(document.body, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['disabled'],
  });
}

function focusables(dialog: HTMLElement): HTMLElement[] {
  return [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0,
  );
}

/**
 * Focus in a modal dialog while `open`: the browser gives its first control (or the `autoFocus` one) focus as it
 * opens; Tab and Shift+Tab go round its controls rather than out of the page; when it closes, or goes away
 * open, focus returns to the element that had it when it opened, else to the view's heading.
 * Call it before the effect that opens the dialog: it notes where focus was before `showModal()` moves it.
 */
export function useModalFocus(dialog: RefObject<HTMLDialogElement | null>, open: boolean): void {
  useEffect(() => {
    const d = dialog.current;
    if (!open || !d) return;
    const opener = document.activeElement;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Tab') return;
      const all = focusables(d);
      if (all.length === 0) return;
      const first = all[0]!;
      const last = all[all.length - 1]!;
      const active = document.activeElement;
      if (e.shiftKey && (active === first || !d.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !d.contains(active))) {
        e.preventDefault();
        first.focus();
      }
    };
    d.addEventListener('keydown', onKey);
    return () => {
      d.removeEventListener('keydown', onKey);
      // after the dialog has closed (the effects that close it run after this clean-up) or left the page
      queueMicrotask(() => {
        if (d.open && d.isConnected) return;
        const active = document.activeElement;
        // the browser gave it back already, or what the dialog did put it somewhere (a new view's heading)
        if (active === opener || (!focusLost() && !d.contains(active))) return;
        if (!(opener instanceof HTMLElement)) return void focusViewHeading();
        opener.focus();
        if (document.activeElement === opener) return;
        // disabled while what it asked for runs: it gets focus back once enabled, if nothing took it meanwhile
        if (opener.isConnected && opener.matches(':disabled')) return returnWhenEnabled(opener);
        focusViewHeading();
      });
    };
  }, [dialog, open]);
}
