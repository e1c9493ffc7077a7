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
import os
import sys
import threading
import time
from contextlib import contextmanager
from itertools import compress, repeat
from operator import is_, methodcaller
from types import FrameType
from typing import Any, Dict, Iterator, List, Optional, Set

_call = methodcaller("__call__")

try:  # Counter's C counting loop
    from _collections import _count_elements
except ImportError:  # pragma: no cover - CPython has it

    def _count_elements(mapping: Dict[Any, int], iterable: Iterator[Any]) -> None:  # type: ignore[misc]
        for elem in iterable:
            mapping[elem] = mapping.get(elem, 0) + 1

_pausing = threading.Lock()
_inside = threading.local()

# How long the other threads wait at most (a longer walk lets them ask for the GIL again; the walks pause for
# 10-70 ms), and how long a pause waits for a thread busy with Python code before it asks for the GIL.
DEFAULT_PAUSE_S = 0.5


def exactly(objects: List[Any], cls: type) -> Iterator[Any]:
    """The objects whose type is ``cls`` itself (subclasses left out), in order: a C-level pipeline, no
    Python work per object and no code of the objects' own (``type`` is not ``__class__``)."""
    return compress(objects, map(is_, map(type, objects), repeat(cls)))


def tracked_objects() -> int:
    """``len(gc.get_objects())``, with the list made, counted and freed inside C code (``sum`` over ``map``):
    no bytecode runs, so no other thread does, while the list exists."""
    return sum(map(len, map(_call, (gc.get_objects,))))


@contextmanager
def others_paused(seconds: Optional[float] = None) -> Iterator[None]:
    """The other threads run no Python code inside this block (for up to ``seconds``, DEFAULT_PAUSE_S by
    default; after that they may ask for the GIL again). A thread busy with Python code (not blocked on I/O, a
    lock or a sleep) delays the block, up to ``seconds``. One pause at a time; a nested one does nothing."""
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
            # walk: each takes its turn now (its wait ends within the old interval), then waits under the long
            # one.
            time.sleep(old + min(old, 0.005) + 0.001)
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


def _before_fork() -> None:
    # A fork from an app thread during a pause would leave the child with the lock held by nobody and the long
    # interval: the fork waits for the pause to end instead.
    if not getattr(_inside, "paused", False):
        _pausing.acquire()


def _after_fork() -> None:
    if _pausing.locked() and not getattr(_inside, "paused", False):
        _pausing.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork, after_in_child=_after_fork)


def settle(objects: List[Any], ours: List[Any]) -> None:
    """Drops from ``objects``, in place, the tuples that may still be being built: the exact tuples no
    tracked container other than the containers in ``ours`` refers to (the C code building one is its only
    holder). Frames do not count: the probe's own (sys._current_frames makes them objects) hold what it
    walks; an app's tuple only a frame's local holds is dropped too. What remains is safe to hold once the
    other threads run again. Inside ``others_paused()`` only."""
    tuples = list(exactly(objects, tuple))
    if not tuples:
        return
    mine = [objects, tuples, ours, *ours]
    held = _held_few(tuples, mine) if len(tuples) <= _FEW else _held_many(tuples, mine)
    tuples.clear()
    objects[:] = [obj for obj in objects if type(obj) is not tuple or id(obj) in held]


# Up to this many tuples, one gc.get_referrers pass finds their holders; it compares each reference on the heap
# with each of them, so beyond, the referents of the whole heap are counted instead.
_FEW = 64


def _held_few(tuples: List[Any], mine: List[Any]) -> Set[int]:
    wanted = {id(obj) for obj in tuples}
    holders = gc.get_referrers(*tuples)
    skip = {id(holders), *map(id, mine)}
    held: Set[int] = set()
    for holder in holders:
        if id(holder) in skip or type(holder) is FrameType:
            continue
        for ref in gc.get_referents(holder):
            if id(ref) in wanted:
                held.add(id(ref))
    holders.clear()
    return held


def _held_many(tuples: List[Any], mine: List[Any]) -> Set[int]:
    """The tuples some holder refers to: references to tuples counted over the whole heap, minus those from the
    probe's containers and frames. Linear in the heap (C pipelines, one id per reference to a tuple)."""
    everything = gc.get_objects()
    refs = gc.get_referents(*everything)
    frames = list(exactly(everything, FrameType))
    everything.clear()
    counts: Dict[int, int] = {}
    _count_elements(counts, map(id, exactly(refs, tuple)))
    refs.clear()
    skipped = gc.get_referents(*{id(obj): obj for obj in mine}.values(), *frames)  # each container once
    frames.clear()
    mine_counts: Dict[int, int] = {}
    _count_elements(mine_counts, map(id, exactly(skipped, tuple)))
    skipped.clear()
    return {oid for oid in map(id, tuples) if counts.get(oid, 0) > mine_counts.get(oid, 0)}
