"""Which edition (Early, Morning, Midday, Evening, Late) a moment belongs to, for the banner on every page."""

from __future__ import annotations

import functools
import time

EDITIONS = ("Late", "Early", "Morning", "Morning", "Midday", "Evening", "Evening", "Late")


# Cause of the /stories/edition/ pile-up: an unbounded memo (maxsize=None) on a function whose argument is a
# timestamp, different on every call: it never gets a hit and never evicts. Fix: bound it (maxsize=...), memoise
# on a coarse key (the hour), or don't memoise at all (it is cheaper than the cache lookup); cache_clear() frees it.
@functools.lru_cache(maxsize=None)  # LEAK CAUSE (clear-caches)
def edition_for(moment_us: int) -> str:
    """The edition for a moment given in microseconds since the epoch."""
    return EDITIONS[time.gmtime(moment_us // 1_000_000).tm_hour // 3]


def banner() -> str:
    # PLANTED LEAK (clear-caches): one cache entry (a new int key, the time in microseconds) per request in
    # edition_for's lru_cache: ~76 bytes a request.
    return edition_for(time.time_ns() // 1000)  # PLANTED LEAK (clear-caches)
