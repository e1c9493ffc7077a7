"""The story index: the newsroom's stories as plain tuples, loaded once per process (the archive changes rarely,
and every widget on the site needs it)."""

from __future__ import annotations

import threading
from typing import NamedTuple

from .models import Story


class StoryCard(NamedTuple):
    id: int
    slug: str
    headline: str
    standfirst: str
    body: str
    section: str
    author: str
    published_at: str


_index: tuple[StoryCard, ...] | None = None
_index_lock = threading.Lock()


def story_index() -> tuple[StoryCard, ...]:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                rows = Story.objects.select_related("section", "author").order_by("pk")
                _index = tuple(
                    StoryCard(s.pk, s.slug, s.headline, s.standfirst, s.body, s.section.name, s.author.name,
                              s.published_at.isoformat())
                    for s in rows
                )
    return _index


def story_at(turn: int) -> StoryCard:
    """The stories in turn (the widgets rotate through the archive)."""
    index = story_index()
    return index[turn % len(index)]
