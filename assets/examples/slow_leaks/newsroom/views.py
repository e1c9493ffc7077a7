from __future__ import annotations

import json
from datetime import timedelta
from itertools import count

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.template.loader import get_template
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import (analytics, api, archive, audit, editions, liveblog, newsletter, paywall, photos, print_edition, search,
               teasers)
from .models import Author, Section, Story
from .stories import story_at, story_index

CHECKLIST_LABELS = {
    "clear-caches": "Clear caches",
    "close-db-connections": "Close database connections",
    "destroy-session-data": "Destroy session data",
    "garbage-collection": "Garbage collection",
    "weakref": "Weak references",
}

# Each widget rotates through the archive on its own turn counter.
_turns = {name: count() for name in ("ping", "preview", "teaser", "signup", "liveblog", "latest", "proof",
                                      "summary", "photo", "search", "meter")}


def _next_story(name: str):
    return story_at(next(_turns[name]))


_endpoints: list[dict] | None = None


def _load_endpoints() -> list[dict]:
    global _endpoints
    if _endpoints is None:
        entries = json.loads((settings.BASE_DIR / "leaks.json").read_text(encoding="utf-8"))
        _endpoints = [{**e, "checklist_label": CHECKLIST_LABELS.get(e["checklist"], "")} for e in entries]
    return _endpoints


@require_GET
def index(request):  # CONTROL (index page)
    context = {"endpoints": _load_endpoints(), "db_path": settings.DB_PATH, "debug": settings.DEBUG}
    return HttpResponse(get_template("newsroom/index.html").render(context))


# Leaks: each keeps 64 B to 4 KB per request (see leaks.json).


@require_GET
def analytics_ping(request):
    """/analytics/ping/ - a page-view ping, queued for an uploader that never runs here (newsroom/analytics.py)."""
    story = _next_story("ping")
    waiting = analytics.queue_ping(story.id)
    return JsonResponse({"story": story.id, "queued": waiting})


@require_GET
def editor_preview(request):
    """/desk/preview/ - the editors' preview of a story, recorded in the audit trail (newsroom/audit.py)."""
    story = _next_story("preview")
    audit.EditorialAudit(editor="duty-editor").record("preview", story)
    return HttpResponse(f"<h1>{story.headline}</h1><p>{story.standfirst}</p>")


@require_GET
def story_teaser(request):
    """/stories/teaser/ - a homepage teaser card, cached per render time (newsroom/teasers.py)."""
    return HttpResponse(teasers.teaser_card(_next_story("teaser")))


@require_GET
def newsletter_signup(request):
    """/newsletter/signup/ - step one of the newsletter sign-up, kept in the session (newsroom/newsletter.py)."""
    draft = newsletter.start_signup(request, _next_story("signup"))
    return JsonResponse({"step": 1, "topics": draft["topics"], "suggested": len(draft["suggested"])})


@require_GET
def liveblog_widget(request):
    """/liveblog/widget/ - the live-blog panel, subscribed to breaking news (newsroom/liveblog.py)."""
    widget = liveblog.LiveBlogWidget(_next_story("liveblog"))
    return HttpResponse(widget.html)


@require_GET
def edition_banner(request):
    """/stories/edition/ - the edition banner, memoised per timestamp (newsroom/editions.py)."""
    return HttpResponse(f'<div class="edition">{editions.banner()} edition</div>')


@require_GET
def latest_story(request):
    """/stories/latest/ - the newest story; the trending middleware records the read (newsroom/middleware.py)."""
    story = _next_story("latest")
    response = HttpResponse(f"<h1>{story.headline}</h1><p>{story.standfirst}</p>")
    response.story_read = (story.id, story.section, story.slug)
    return response


# Controls: they use memory, or add rows to the database, but the process keeps nothing per request.


@require_GET
def print_proof(request):
    """/print/proof/ - a print-edition page proof, in a bounded lru_cache (newsroom/print_edition.py)."""
    turn = next(_turns["proof"])
    return HttpResponse(print_edition.page_proof(f"proof-{turn:08d}", turn % 48))


@require_GET
def archive_summary(request):
    """/archive/summary/ - a story summary, memoised per story (500 stories) (newsroom/archive.py)."""
    story = _next_story("summary")
    return HttpResponse(f"<p>{archive.summary_for(story)}</p>")


@require_GET
def front_page_photo(request):
    """/photos/front-page/ - the front-page picture, composed on a 50 MB frame (newsroom/photos.py)."""
    return JsonResponse(photos.front_page_thumbnail(next(_turns["photo"])))


@require_GET
def search_suggestions(request):
    """/search/suggest/ - search suggestions with a rolling window of results (newsroom/search.py)."""
    return JsonResponse({"suggestions": search.suggest(next(_turns["search"]))})


@require_GET
def paywall_meter(request):
    """/paywall/meter/ - the paywall meter, in a database session of its own (newsroom/paywall.py)."""
    story = _next_story("meter")
    meter_key, left = paywall.count_read(request, story.id)
    response = JsonResponse({"story": story.id, "free_stories_left": left})
    paywall.set_meter_cookie(response, meter_key)
    return response


@require_GET
def api_headlines(request):
    """/api/headlines/ - the mobile app's headlines, with replay protection in a small cache (newsroom/api.py)."""
    if not api.accept_nonce(request):
        return JsonResponse({"error": "replayed request"}, status=409)
    latest = story_index()[-10:]
    return JsonResponse({"headlines": [{"id": s.id, "headline": s.headline, "section": s.section} for s in latest]})


@require_GET
def desk_dashboard(request):
    """/desk/dashboard/ - the news desk's dashboard: a few ORM queries, logged while DEBUG is on."""
    # CONTROL (not a leak): with DEBUG on, Django appends every query to connection.queries_log, a deque of at
    # most 9,000 entries that is emptied at the start of every request (django.db.reset_queries): bounded.
    sections = list(Section.objects.annotate(stories_count=Count("stories")).values_list("name", "stories_count"))  # CONTROL (DEBUG query log)
    latest = list(Story.objects.select_related("section", "author").order_by("-published_at")[:8])
    since = latest[0].published_at - timedelta(days=7) if latest else timezone.now()
    this_week = Story.objects.filter(published_at__gte=since).count()
    authors = Author.objects.count()
    rows = "".join(f"<li>{s.section.name}: {s.headline} ({s.author.name})</li>" for s in latest)
    return HttpResponse(
        f"<h1>Desk</h1><p>{this_week} stories this week by {authors} authors; "
        f"{', '.join(f'{n}: {c}' for n, c in sections)}</p><ul>{rows}</ul>"
        f"<p class=muted>{len(connection.queries)} queries logged for this request</p>"
    )
