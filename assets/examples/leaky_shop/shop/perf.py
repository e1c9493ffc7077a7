"""Start-up tweaks for request latency."""

import gc

from django.core.signals import request_started


def apply_startup_tweaks() -> None:
    # Cause of the /gc/leak/ pile-up (garbage-collection): to keep collector pauses out of requests, automatic
    # collection is switched off and replaced by a cheap sweep of the youngest generation before each request.
    # That sweep frees cycles made and dropped within one request, but full collections never run: a cycle that
    # was still in use when a sweep ran moves to an older generation, and once it becomes garbage nothing
    # frees it. Fix: leave the collector on (or tune gc.set_threshold()), or run a full gc.collect() regularly;
    # and break the cycles themselves with weak parent links.
    gc.disable()  # LEAK CAUSE (garbage-collection)
    request_started.connect(_sweep_young_generation, dispatch_uid="shop.perf.sweep_young_generation")


def _sweep_young_generation(**kwargs) -> None:
    gc.collect(0)
