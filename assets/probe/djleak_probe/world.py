"""Walking the heap from a probe thread without breaking the app's threads.

``gc.get_objects()`` and ``gc.get_referrers()`` also list objects another thread is still building. CPython
builds ``tuple(generator)`` and ``f(*generator)`` in place, growing the tuple with ``_PyTuple_Resize``, which
refuses a tuple anyone else holds: while the probe's list holds it, that thread's next resize raises
``SystemError: Objects/tupleobject.c: bad argument to internal function`` inside the app (CPython
gh-107137; measured here: 323-344 such errors in 5 s of ``len(gc.get_objects())`` beside a loop of
``tuple(generator)``). So no other thread may run Python while a walk holds a tuple that may be such a one:

- ``tracked_objects()`` counts inside one C call (the list is made and freed before any bytecode runs);
- ``others_paused()`` is for walks written in Python: the GIL's switch interval is raised for the walk's
  length, so the threads waiting for the GIL wait until the walk ends instead of asking for it every 5 ms.
  The walk must not block (no I/O, no sleeping, no imports), and the collector is off during it (a
  finalizer could block). A pause stops the app and the probe's sampler: walks keep it short, and go on
  outside it with what ``settle()`` keeps (only exact tuples are built this way: other objects are safe
  to hold).
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from contextlib import contextmanager
from itertools import compress, repeat
from operator import is_, methodcaller
from types import FrameType
from typing import Any, Iterator, List, Optional, Set

_call = methodcaller("__call__")
_pausing = threading.Lock()
_inside = threading.local()

# How long the other threads wait at most (a longer walk lets them ask for the GIL again), and how long a pause
# waits for a thread that holds the GIL without blocking.
DEFAULT_PAUSE_S = 5.0


def tracked_objects() -> int:
    """``len(gc.get_objects())``, with the list made, counted and freed inside C code (``sum`` over ``map``):
    no bytecode runs, so no other thread does, while the list exists."""
    return sum(map(len, map(_call, (gc.get_objects,))))


@contextmanager
def others_paused(seconds: Optional[float] = None) -> Iterator[None]:
    """The other threads run no Python code inside this block (for up to ``seconds``, DEFAULT_PAUSE_S by
    default; after that they may ask for the GIL again). They finish what they are doing first: a thread
    that does not let go of the GIL (blocking on I/O, sleeping) delays the block, up to ``seconds``. One
    pause at a time."""
    if seconds is None:
        seconds = DEFAULT_PAUSE_S
    if getattr(_inside, "paused", False):  # already paused by this thread: sleeping now would let the others in
        yield
        return
    with _pausing:
        _inside.paused = True
        old = sys.getswitchinterval()
        collecting = gc.isenabled()
        sys.setswitchinterval(max(old, seconds))
        try:
            # Threads already waiting for the GIL under the old interval (5 ms) would ask for it during the
            # walk: they take their turn now, then wait under the long one.
            time.sleep(min(2 * old, 0.1) + 0.001)
            gc.disable()
            try:
                yield
            finally:
                if collecting:
                    gc.enable()
        finally:
            sys.setswitchinterval(old)
            _inside.paused = False
    time.sleep(0)  # hand the GIL over: the threads waiting under the long interval go on now


def settle(objects: List[Any], ours: Set[int]) -> None:
    """Drops from ``objects``, in place, the tuples that may still be being built: the exact tuples no
    tracked container other than ``ours`` (ids) refers to (the C code building one is its only holder).
    Frames do not count: the probe's own (sys._current_frames makes them objects) hold what it walks; an
    app's tuple only a frame's local holds is dropped too. What remains is safe to hold once the other threads
    run again. Inside ``others_paused()`` only: one pass over the heap when there are tuples."""
    tuples = list(compress(objects, map(is_, map(type, objects), repeat(tuple))))  # C-level: no work per object
    if not tuples:
        return
    wanted = {id(obj) for obj in tuples}
    holders = gc.get_referrers(*tuples)
    mine = {id(objects), id(tuples), id(holders)}
    held: Set[int] = set()
    for holder in holders:
        if id(holder) in mine or id(holder) in ours or type(holder) is FrameType:
            continue
        for ref in gc.get_referents(holder):
            if id(ref) in wanted:
                held.add(id(ref))
    holders.clear()
    tuples.clear()
    objects[:] = [obj for obj in objects if type(obj) is not tuple or id(obj) in held]
