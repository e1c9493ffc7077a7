"""A tiny in-process event feed (observer pattern): widgets subscribe a callback, editors publish updates."""

from __future__ import annotations

import threading
from typing import Any, Callable


class EventFeed:
    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Callable[[dict], Any]] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callable[[dict], Any]) -> None:
        with self._lock:
            # Cause of the /liveblog/widget/ pile-up: the feed keeps a strong reference to each callback, and a
            # bound method holds its object (callback.__self__), so no subscriber is ever freed, and nothing
            # unsubscribes. Fix: hold bound methods through weakref.WeakMethod (and drop dead ones), keep
            # subscribers in a weakref.WeakSet, or unsubscribe when the widget is done.
            self._subscribers.append(callback)  # LEAK CAUSE (weakref)

    def unsubscribe(self, callback: Callable[[dict], Any]) -> None:
        with self._lock:
            self._subscribers.remove(callback)

    def publish(self, update: dict) -> int:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(update)
        return len(subscribers)


breaking_news = EventFeed("breaking-news")
