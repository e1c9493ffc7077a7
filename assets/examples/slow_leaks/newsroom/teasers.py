"""Homepage teaser cards: a story's rendered card, kept in the "fragments" cache so busy pages skip rendering."""

from __future__ import annotations

from html import escape

from django.core.cache import caches
from django.utils import timezone

from .stories import StoryCard, story_index

RELATED = 12  # "More in <section>" links under each card


def teaser_card(story: StoryCard) -> str:
    rendered_at = timezone.now().isoformat()
    html = _render_teaser(story, rendered_at)
    # PLANTED LEAK (clear-caches): the key includes the render time (meant to be the story's last edit), so it
    # is new on every request, and the "fragments" alias (LocMemCache, MAX_ENTRIES 1,000,000, TIMEOUT None)
    # never evicts anything: each request stores one more ~4 KB card. Fix: key by what the card depends on
    # (story id + last edit), set a timeout and a realistic MAX_ENTRIES, or clear the alias.
    caches["fragments"].set(f"teaser:{story.id}:{rendered_at}", html)  # PLANTED LEAK (clear-caches)
    return html


def _render_teaser(story: StoryCard, rendered_at: str) -> str:
    index = story_index()
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in story.body.split("\n\n"))
    related = [index[(story.id + 6 * step) % len(index)] for step in range(1, RELATED + 1)]
    more = "".join(
        f'<li><a href="/stories/{r.slug}/">{escape(r.headline)}</a> <span>{escape(r.standfirst)}</span></li>'
        for r in related
    )
    return (
        f'<article class="teaser" data-story="{story.id}" data-rendered="{rendered_at}">'
        f'<p class="kicker">{escape(story.section)}</p><h2><a href="/stories/{story.slug}/">{escape(story.headline)}</a></h2>'
        f'<p class="standfirst">{escape(story.standfirst)}</p><p class="byline">By {escape(story.author)}, '
        f'{story.published_at}</p>{paragraphs}<ul class="more">{more}</ul></article>'
    )
