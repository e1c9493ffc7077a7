"""The paywall meter: how many stories a reader has opened this month, in a database-backed session of its own.

The site's sessions live in the cache (settings.SESSION_ENGINE); the meter must survive restarts and be shared by
every worker, so it uses Django's database session store directly, with its own cookie.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

METER_COOKIE = "newsroom_meter"
FREE_STORIES = 5


def count_read(request, story_id: int) -> tuple[str, int]:
    """Counts a read; returns the meter's session key (for the cookie) and how many free stories are left."""
    meter = DatabaseSessionStore(session_key=request.COOKIES.get(METER_COOKIE))
    read = [pk for pk in meter.get("read", []) if pk != story_id][-20:] + [story_id]
    meter["read"] = read
    # CONTROL (not a leak): a fresh visitor gets a new session row in the django_session table on every request.
    # The table grows (that is storage: `manage.py clearsessions` removes expired rows), but the process keeps
    # nothing: the store object, its data and the connection's rows are dropped with the response.
    meter.save()  # CONTROL (database sessions, a new row per fresh visitor)
    return meter.session_key, max(0, FREE_STORIES - len(read))


def set_meter_cookie(response, meter_key: str) -> None:
    response.set_cookie(METER_COOKIE, meter_key, max_age=30 * 24 * 3600, httponly=True, samesite="Lax")
