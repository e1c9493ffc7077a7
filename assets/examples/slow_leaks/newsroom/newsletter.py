"""The newsletter sign-up box: a two-step form whose first step is kept in the visitor's session."""

from __future__ import annotations

from django.utils import timezone

from .stories import StoryCard, story_index

TOPICS = ("City Hall", "Business", "Science", "Culture", "Sport", "Weather")


def start_signup(request, story: StoryCard) -> dict:
    """Step one: remember where the reader signed up and what to suggest, until they confirm their address."""
    index = story_index()
    suggested = [index[(story.id + step * 37) % len(index)] for step in range(1, 6)]
    draft = {
        "started_at": timezone.now().isoformat(),
        "source": story.slug,
        "topics": [t for t in TOPICS if t != "Weather"],
        "frequency": "daily",
        "suggested": [{"id": s.id, "slug": s.slug, "headline": s.headline, "section": s.section} for s in suggested],
    }
    # PLANTED LEAK (destroy-session-data): writing to the session makes SessionMiddleware store it, and with
    # SESSION_ENGINE = the cache backend on a LocMemCache alias that never culls (MAX_ENTRIES 1,000,000) and a
    # two-week expiry, every new visitor's session (~1 KB, pickled) stays in this process's memory. Bots and
    # clients without cookies make a new session on every request. Fix: don't start a session for anonymous
    # readers (keep the draft in a form field or a signed cookie), flush it when the sign-up completes, use a
    # short SESSION_COOKIE_AGE, or a session store that is not the process's own memory.
    request.session["newsletter_draft"] = draft  # PLANTED LEAK (destroy-session-data)
    return draft
