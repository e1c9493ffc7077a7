"""/catalog/suggestions/: "suggested for you", from the authors of the reader's current loans.

The latest list per reader is kept so the home page could show it without recomputing. It is keyed by the
user's id: each request replaces its reader's entry, so there is one entry per reader who has asked, never more.
"""

from __future__ import annotations

import itertools
import threading

from django.utils.html import escape

from .models import BookInstance
from .shelf import books

# Latest suggestions per reader: {user id: HTML}. Bounded by the number of users, not by the traffic.
_LATEST_BY_USER: dict[int, str] = {}
_turn = itertools.count()
_lock = threading.Lock()
SUGGESTIONS = 8


def suggest_for(user) -> str:
    shelf = books()
    borrowed = set(
        BookInstance.objects.filter(borrower=user, status="o").values_list("book_id", flat=True)
    )
    authors = {b.author_slug for b in shelf if b.pk in borrowed}
    picks = [b for b in shelf if b.author_slug in authors and b.pk not in borrowed]
    start = next(_turn)  # rotate through the rest of the catalogue to fill the list ("staff picks")
    others = [b for b in shelf if b not in picks and b.pk not in borrowed]
    picks += [others[(start + n) % len(others)] for n in range(max(0, SUGGESTIONS - len(picks)))]
    items = "".join(
        f'<li><a href="/books/{b.pk}/">{escape(b.title)}</a> by {escape(b.author)} ({b.year})</li>'
        for b in picks[:SUGGESTIONS]
    )
    html = f'<section class="suggest"><h2>Suggested for {escape(user.get_username())}</h2><ol>{items}</ol></section>'
    with _lock:
        # CONTROL (not a leak): the same shape as /catalog/recent/ (a module-level dict written on every request,
        # ~1 KB values), but keyed by the user's id, so each request replaces its reader's entry.
        _LATEST_BY_USER[user.pk] = html  # CONTROL (bounded per-user cache)
    return html
