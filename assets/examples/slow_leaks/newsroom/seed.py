"""The example newsroom: 6 sections, 24 authors and 500 stories, always the same."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from django.db import transaction

from .models import Author, Section, Story

SECTIONS = ["City Hall", "Business", "Science", "Culture", "Sport", "Weather"]
STORY_COUNT = 500

_FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Farah"]
_LAST = ["Marsh", "Okafor", "Lindqvist", "Reyes"]
_DESKS = ["news", "features", "data", "photo"]

_SUBJECTS = ["council", "harbour authority", "university lab", "city orchestra", "rail operator", "weather service",
             "local bakery chain", "hospital trust", "football club", "library service", "start-up", "museum"]
_VERBS = ["approves", "delays", "unveils", "questions", "doubles", "scraps", "rethinks", "celebrates"]
_OBJECTS = ["new tram line", "budget for next year", "flood defences", "summer festival", "rooftop solar plan",
            "night-bus timetable", "research grant", "stadium expansion", "reading programme", "river clean-up"]
_SENTENCES = [
    "Officials said the decision followed months of consultation with residents and local businesses.",
    "Critics argue the timetable is optimistic and the costs have not been fully explained.",
    "The plan will be reviewed again in the spring, when the first figures are expected.",
    "Several councillors asked for the documents to be published before the next meeting.",
    "Supporters point to similar schemes elsewhere that paid for themselves within a decade.",
    "A spokesperson declined to comment on the details, citing ongoing negotiations.",
    "Residents who spoke to us were divided, though most welcomed a clearer timetable.",
    "The figures were shared with the newsroom ahead of Tuesday's announcement.",
    "Independent experts said the data broadly supports the conclusions in the report.",
    "The story will be updated as more information becomes available.",
]


def seed_newsroom() -> int:
    """Fill an empty newsroom; returns the number of stories created (0 when already seeded)."""
    with transaction.atomic():
        if Story.objects.exists():
            return 0
        rng = random.Random(20250314)
        sections = [Section.objects.create(name=name, slug=name.lower().replace(" ", "-")) for name in SECTIONS]
        Author.objects.bulk_create(
            Author(name=f"{first} {last}", desk=_DESKS[n % len(_DESKS)])
            for n, (first, last) in enumerate((first, last) for last in _LAST for first in _FIRST)
        )
        authors = list(Author.objects.order_by("pk"))
        start = datetime(2025, 1, 6, 6, 0, tzinfo=timezone.utc)
        stories = []
        for n in range(STORY_COUNT):
            headline = f"{rng.choice(_SUBJECTS).capitalize()} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
            paragraphs = [" ".join(rng.sample(_SENTENCES, 4)) for _ in range(3)]
            body = "\n\n".join(paragraphs)
            stories.append(
                Story(
                    section=sections[n % len(sections)],
                    author=authors[rng.randrange(len(authors))],
                    slug=f"{n + 1:04d}-" + headline.lower().replace(" ", "-")[:100],
                    headline=headline,
                    standfirst=paragraphs[0].split(". ")[0] + ".",
                    body=body,
                    published_at=start + timedelta(hours=5 * n + rng.randrange(0, 4)),
                    word_count=len(body.split()),
                )
            )
        Story.objects.bulk_create(stories)
        return len(stories)
