"""Reader analytics: every story view queues a tiny "ping" (ping id -> story id) for the analytics service.

The pings are meant to be drained in batches by `take_batch()`, which the uploader job calls on the analytics
box. The web workers queue pings but never run the uploader, so in their processes the queue only grows.
"""

from __future__ import annotations

import itertools
import threading
import time

# Pings waiting for the uploader, by ping id (unique, roughly time-ordered): {ping_id: story_id}.
_UNSENT_PINGS: dict[int, str] = {}
_PING_IDS = itertools.count(int(time.time()) * 1000)
_lock = threading.Lock()


def queue_ping(story_id: int) -> int:
    """Queue one page-view ping; returns how many are waiting."""
    with _lock:
        # PLANTED LEAK (clear-caches): a module-level dict that gains an entry (a new int key, a str) per request and is
        # only drained by an uploader that never runs in this process: ~131 bytes a request, forever. Fix: bound
        # the queue (collections.deque(maxlen=...)), drain it here (flush every N pings), or clear it.
        _UNSENT_PINGS[next(_PING_IDS)] = str(story_id)  # PLANTED LEAK (clear-caches)
        return len(_UNSENT_PINGS)


def take_batch(limit: int = 500) -> list[tuple[int, int]]:
    """What the uploader calls: removes and returns up to `limit` of the oldest pings."""
    with _lock:
        batch = list(itertools.islice(_UNSENT_PINGS.items(), limit))
        for ping_id, _ in batch:
            del _UNSENT_PINGS[ping_id]
    return batch
