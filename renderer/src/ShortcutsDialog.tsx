import { useEffect, useRef } from 'react';
import { useModalFocus } from './focus.ts';
import { SHORTCUTS } from './shortcuts.ts';
import { useNav } from './store/nav.ts';

export function ShortcutsDialog() {
  const open = useNav((s) => s.shortcutsOpen);
  const setOpen = useNav((s) => s.setShortcutsOpen);
  const dialog = useRef<HTMLDialogElement>(null);
  useModalFocus(dialog, open);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="shortcuts-title"
      onClose={() => setOpen(false)}
      onClick={(e) => {
        if (e.target === e.currentTarget) setOpen(false);
      }}
    >
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table className="shortcuts" aria-label="Keyboard shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.what} className={s.soon ? 'muted' : undefined}>
              <td className="keys">
                {s.keys.map((k, i) => (
                  <span key={i}>
                    {i > 0 && <span className="key-join">{s.keys[0] === 'g' ? ' then ' : '+'}</span>}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>
                {s.what}
                {s.soon && <span className="tag">coming soon</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={() => setOpen(false)} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
