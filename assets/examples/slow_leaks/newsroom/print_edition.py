"""Print edition: page proofs for the layout desk, rendered as HTML (~20 KB a page)."""

from __future__ import annotations

import functools
from html import escape

from .stories import story_index


# CONTROL (not a leak): each proof gets a unique id, so the memo never gets a hit, but it is an lru_cache bounded
# to 256 proofs: it grows for 256 requests (~5 MB), then each new proof evicts the oldest and memory stays flat.
@functools.lru_cache(maxsize=256)  # CONTROL (bounded lru_cache, ~20 KB entries)
def page_proof(proof_id: str, page: int) -> str:
    index = story_index()
    columns = []
    for column in range(6):
        story = index[(page * 6 + column) % len(index)]
        columns.append(
            f'<div class="col" data-proof="{proof_id}"><h2>{escape(story.headline)}</h2>'
            f'<p class="byline">{escape(story.author)}</p>{escape(story.body) * 2}</div>'
        )
    return f'<section class="proof" data-page="{page}">{"".join(columns)}</section>'
