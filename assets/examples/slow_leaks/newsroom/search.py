"""Search suggestions: candidate titles and their posting lists, with a rolling window of recent result pages so
that the "back" button is instant."""

from __future__ import annotations

from collections import deque

from .stories import story_index

PER_REQUEST = 240  # candidates looked at per query
KEEP_EVERY = 8  # one candidate in 8 goes into the window of recent results: 30 a request
# CONTROL (not a leak): the window holds the last 1,200 kept candidates (40 requests' worth); each request adds 30
# and the deque drops the 30 oldest. Small strings and 0.2-3 KB buffers are allocated interleaved and only some
# survive, so the holes they leave are scattered through the heap (fragmentation), but nothing grows.
_RECENT_RESULTS: deque[tuple[str, bytes]] = deque(maxlen=1200)  # CONTROL (fragmenting rolling window)


def suggest(turn: int) -> list[str]:
    index = story_index()
    titles = []
    for i in range(PER_REQUEST):
        story = index[(turn + i * 7) % len(index)]
        token = f"{story.slug[5:17]}:{i:03d}"  # small
        posting = story.slug.encode()[:40].ljust(40) * (4 + (i * 7) % 70)  # 160 B to 2.9 KB
        if i % KEEP_EVERY == 0:
            _RECENT_RESULTS.append((token, posting))
        titles.append(story.headline)
    return titles[:10]
