"""The standards desk's audit trail: who opened which story in the editors' preview, and when."""

from __future__ import annotations

from django.utils import timezone

from .stories import StoryCard


class EditorialAudit:
    """Records preview events. The trail is shared by every instance: a class attribute."""

    # Cause of the /desk/preview/ pile-up: meant as a short buffer that a nightly job writes to the archive and
    # empties; nothing empties it in the web process, and a class attribute lives as long as the process.
    entries: list[str] = []  # LEAK CAUSE (clear-caches)

    def __init__(self, editor: str) -> None:
        self.editor = editor

    def record(self, action: str, story: StoryCard) -> None:
        stamp = timezone.now().isoformat(timespec="microseconds")
        # PLANTED LEAK (clear-caches): a ~190-character line appended per request to a list on the class
        # (EditorialAudit.entries), never trimmed: ~245 bytes a request. Fix: keep a bounded buffer
        # (deque(maxlen=...)), write the lines to a log or the database instead, or clear the list when flushed.
        EditorialAudit.entries.append(f"{stamp} editor={self.editor} action={action} pane=side-by-side story={story.id} section={story.section} author={story.author} slug={story.slug[:90]}")  # PLANTED LEAK (clear-caches)

    @classmethod
    def flush(cls) -> list[str]:
        """What the nightly job would call: hands over the trail and starts a new one."""
        entries, cls.entries = cls.entries, []
        return entries
