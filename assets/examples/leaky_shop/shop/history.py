"""The "recently viewed" list: kept in the visitor's session, with a rendered panel kept in process."""

from __future__ import annotations

import base64
import functools
from html import escape

from django.utils import timezone

from .models import Product

# Rendered "recently viewed" panels by session key, so any page can show the panel without re-rendering it.
# forget_visitor() drops a panel when its session is destroyed.
_RECENT_PANELS: dict[str, str] = {}


def remember_view(request, product: Product) -> str:
    """Add a product to the visitor's recently-viewed list; returns the rendered panel."""
    recent = request.session.get("recently_viewed", [])
    recent.append({**product.as_card(), "viewed_at": timezone.now().isoformat()})  # never trimmed
    request.session["recently_viewed"] = recent
    if request.session.session_key is None:
        request.session.save()  # the panel is stored by session key, so make sure there is one
    # PLANTED LEAK (destroy-session-data): session data is never destroyed. The list above grows by one
    # product per view (the session row grows with it), every fresh visitor leaves a django_session row that
    # is never flushed or expired, and this process keeps a ~45 KB panel per session key that is only dropped
    # when a session is destroyed, which never happens. Fix: trim the list (keep the last 10), destroy finished
    # sessions (request.session.flush(), short SESSION_COOKIE_AGE + `manage.py clearsessions`) and drop
    # per-session data with them (or keep it inside the session, not in a process-wide dict).
    key = request.session.session_key
    _RECENT_PANELS[key] = panel = f'<ul class="recent">{"".join(map(_panel_item, recent))}</ul>'  # PLANTED LEAK (destroy-session-data)
    return panel


def forget_visitor(request) -> None:
    """Destroy the visitor's session data: the session row, its cookie, and the in-process panel."""
    _RECENT_PANELS.pop(request.session.session_key or "", None)
    request.session.flush()


def _panel_item(card: dict) -> str:
    return (
        f'<li><img alt="" width="48" height="48" src="{_thumbnail(card["sku"], card["name"])}">'
        f'{escape(card["name"])} <small>{card["price"]} EUR</small></li>'
    )


@functools.lru_cache(maxsize=64)
def _thumbnail(sku: str, name: str) -> str:
    """A small generated SVG "photo" as a data: URI (~40 KB), so the panel needs no extra requests."""
    seed = sum(sku.encode())
    shapes = "".join(
        f'<circle cx="{(seed * i) % 96}" cy="{(seed + 7 * i) % 96}" r="{2 + i % 9}" '
        f'fill="hsl({(seed + 13 * i) % 360},60%,{40 + i % 30}%)" opacity="0.{5 + i % 5}"/>'
        for i in range(380)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><title>{escape(name)}</title>'
        f'<rect width="96" height="96" fill="#f4efe6"/>{shapes}</svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
