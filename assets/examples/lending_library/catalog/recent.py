"""/catalog/recent/: the reader's "recently viewed" panel, with a "continue browsing" link.

Each render keeps a snapshot of the panel under a new trail id, so that the link (?trail=<id>) can reopen the
panel exactly as it was. The snapshots were meant to expire with the reader's session; nothing ever removes them.
"""

from __future__ import annotations

import itertools
import threading

from django.utils.html import escape

from .shelf import books

# Panel snapshots by trail id (unique per render, never reused): {trail_id: panel HTML}.
_TRAILS: dict[int, str] = {}
_TRAIL_IDS = itertools.count(1)
_turn = itertools.count()
_lock = threading.Lock()
PANEL_SIZE = 10


def recently_viewed(username: str) -> tuple[int, str]:
    """Renders the panel (the last PANEL_SIZE books seen) and keeps a snapshot of it; returns (trail id, HTML)."""
    shelf = books()
    start = next(_turn) % len(shelf)
    seen = [shelf[(start + n) % len(shelf)] for n in range(PANEL_SIZE)]
    items = "".join(
        f'<li><a href="/books/{b.pk}/">{escape(b.title)}</a> by {escape(b.author)} ({b.year})</li>' for b in seen
    )
    panel = f'<section class="recent"><h2>Recently viewed by {escape(username)}</h2><ol>{items}</ol></section>'
    with _lock:
        trail = next(_TRAIL_IDS)
        # PLANTED LEAK (clear-caches): a module-level dict that gains an entry (a new int key, ~0.9 KB of HTML) per
        # request, under an id only a followed link ever reads, and never evicted: ~970 bytes a request, forever.
        # Fix: key it by user (one trail each), bound it (an OrderedDict trimmed to N), or keep it in the session.
        _TRAILS[trail] = panel  # PLANTED LEAK (clear-caches)
    return trail, panel


def reopen(trail: str) -> str | None:
    """What the "continue browsing" link (?trail=<id>) shows."""
    with _lock:
        return _TRAILS.get(int(trail))
