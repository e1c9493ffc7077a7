"""TrendingStoriesMiddleware: counts story reads for the "Trending now" box."""

from __future__ import annotations

import time


class TrendingStoriesMiddleware:
    """Views that show a story set `response.story_read = (story id, section, slug)`; this middleware remembers each
    read so the trending box can count the reads of the last 15 minutes."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        # Cause of the /stories/latest/ pile-up: one list per middleware instance, which Django keeps for the life
        # of the process. It was meant to hold 15 minutes of reads, but nothing ever drops the old ones.
        self.recent: list[tuple] = []  # LEAK CAUSE (clear-caches)

    def __call__(self, request):
        response = self.get_response(request)
        read = getattr(response, "story_read", None)
        if read is not None:
            # PLANTED LEAK (clear-caches): a record per story read, never trimmed: ~230 bytes a request. Fix: a
            # bounded deque, drop entries older than the window here, or count in the cache with a timeout.
            self.recent.append((time.time(), read[0], f"{read[1]}/{read[2]} via {request.path}"))  # PLANTED LEAK (clear-caches)
        return response

    def trending(self, window: float = 900.0, limit: int = 5) -> list[int]:
        since = time.time() - window
        counts: dict[int, int] = {}
        for at, story_id, _ in self.recent:
            if at >= since:
                counts[story_id] = counts.get(story_id, 0) + 1
        return sorted(counts, key=counts.get, reverse=True)[:limit]
