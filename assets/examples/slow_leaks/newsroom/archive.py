"""Archive summaries: a short plain-text summary per story, memoised per story id."""

from __future__ import annotations

import threading

from .stories import StoryCard

_SUMMARIES: dict[int, str] = {}
_lock = threading.Lock()


def summary_for(story: StoryCard) -> str:
    summary = _SUMMARIES.get(story.id)
    if summary is None:
        text = f"{story.headline}. {story.standfirst} {story.body}".replace("\n\n", " ")
        summary = text[:1000]
        with _lock:
            # CONTROL (not a leak): a memo keyed by story id. The archive has 500 stories, visited in turn: it
            # grows by ~1 KB a request for the first 500 requests, then every request is a hit and it stays flat.
            _SUMMARIES[story.id] = summary  # CONTROL (memo bounded by the archive's 500 stories)
    return summary
