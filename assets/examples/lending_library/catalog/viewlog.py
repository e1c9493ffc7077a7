"""The book view log: one fixed-width record per book page viewed, for the reading-statistics export.

The export (a nightly job that ships the records and empties the list) runs from cron in its own process; in the
web workers, nothing ever ships or empties VIEW_LOG.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

# One record per view, oldest first. Never trimmed in this process.
VIEW_LOG: list[str] = []
_lock = threading.Lock()
RECORD_WIDTH = 463  # the export's fixed record width, in characters


def record(username: str, book) -> None:
    """Appends the record of one view of `book` by `username`."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = (
        f"{when:<28}{username[:30]:<30}{book.pk:>10}{book.isbn:>14}  {book.title[:120]:<120}"
        f"{book.author.last_name[:60]:<60}{book.author.first_name[:60]:<60}{book.year:>6}  VIEW  WEB"
    )
    line = fields.ljust(RECORD_WIDTH)[:RECORD_WIDTH]
    with _lock:
        # PLANTED LEAK (clear-caches): a module-level list that gains one ~0.5 KB record per request and is only
        # emptied by an export job that never runs in this process: ~520 bytes a request, forever. Fix: write the
        # records to a file or the database, or keep a bounded buffer (collections.deque(maxlen=...)).
        VIEW_LOG.append(line)  # PLANTED LEAK (clear-caches)
