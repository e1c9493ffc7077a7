"""The live-blog widget: a story's latest entries, re-rendered when the breaking-news feed publishes."""

from __future__ import annotations

from html import escape

from django.utils import timezone

from .events import breaking_news
from .stories import StoryCard


class LiveBlogWidget:
    def __init__(self, story: StoryCard) -> None:
        self.story_id = story.id
        self.opened_at = timezone.now()
        # PLANTED LEAK (weakref): each widget renders its ~750-byte panel and subscribes itself to the breaking-news
        # feed, which keeps the bound method, so the widget and its panel (~1 KB in all), for the life of the process.
        self.html = f'<aside class="liveblog" data-story="{story.id}"><h3>Live: {escape(story.headline)}</h3><p>{escape(story.body[:620])}</p></aside>'  # PLANTED LEAK (weakref)
        breaking_news.subscribe(self.on_breaking_news)

    def on_breaking_news(self, update: dict) -> None:
        self.html = self.html.replace("</h3>", f'</h3><p class="flash">{escape(update["headline"])}</p>', 1)
