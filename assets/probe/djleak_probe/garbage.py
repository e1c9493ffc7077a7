"""A full collection that also sizes what it freed: the figure behind garbage verdicts and the gc action."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from typing import Any, Callable, Optional, Tuple

_trim: Any = None  # glibc malloc_trim once found, False where there is none


# Non-container objects held by garbage (str, bytes, ...) are counted when at least this big: below it they may
# be shared (interned names, small constants) and would not be freed with the garbage.
_PAYLOAD_MIN = 256


def collect_and_size() -> Tuple[int, int]:
    """A full collection that also says how many bytes the freed objects held. DEBUG_SAVEALL parks the
    unreachable objects in gc.garbage for a moment so they can be sized; then they are released and freed."""
    old_debug = gc.get_debug()
    start = len(gc.garbage)
    gc.set_debug(old_debug | gc.DEBUG_SAVEALL)
    try:
        collected = gc.collect()
    finally:
        gc.set_debug(old_debug)
    found = gc.garbage[start:]
    del gc.garbage[start:]
    size = 0
    seen = set()
    for obj in found:
        try:
            size += sys.getsizeof(obj)
            for ref in gc.get_referents(obj):
                if gc.is_tracked(ref) or id(ref) in seen:
                    continue
                ref_size = sys.getsizeof(ref)
                if ref_size >= _PAYLOAD_MIN:
                    seen.add(id(ref))
                    size += ref_size
        except Exception:
            continue
    del found
    gc.collect()
    return collected, size


def heap_trimmer() -> Optional[Callable[[int], int]]:
    """glibc's malloc_trim, looked up once (None where there is no glibc). Ask for it before measuring: the
    first lookup makes a few objects of its own."""
    global _trim
    if _trim is None:
        try:
            name = ctypes.util.find_library("c")
            lib = ctypes.CDLL(name) if name else None
            _trim = getattr(lib, "malloc_trim", None) or False
        except Exception:
            _trim = False
    return _trim or None


def trim_heap() -> bool:
    """malloc_trim(0): free memory goes back to the system, in every arena. Measured after it, RSS is what the
    process holds: otherwise memory freed earlier (another endpoint's, a finished thread's) is reused by a leak
    without RSS moving, and the leak looks flat. A no-op (False) where there is no glibc."""
    trim = heap_trimmer()
    if trim is None:
        return False
    try:
        trim(0)
        return True
    except Exception:
        return False
