"""The ``census`` command: tracked objects counted and sized per type, and the type naming shared with
``referrers``."""

from __future__ import annotations

import gc
import sys
import time
from itertools import compress, repeat
from operator import is_, not_
from typing import Any, Dict, Iterable, List, Tuple

from . import world

DEFAULT_TOP = 50
_SIZE_SLICE = 2048
MAX_TOP = 10_000

# Read through ``type``'s own descriptors: a metaclass cannot run code for them.
_type_module = vars(type)["__module__"].__get__
_type_qualname = vars(type)["__qualname__"].__get__


class CensusError(Exception):
    """Unusable arguments (turned into an ``ok:false`` reply)."""


def type_name(cls: type) -> str:
    """``module.QualName``; builtins without their module (``dict``, ``str``)."""
    try:
        qualname = _type_qualname(cls)
    except Exception:
        qualname = getattr(cls, "__name__", "?")
    try:
        module = _type_module(cls)
    except Exception:
        module = None
    if type(qualname) is not str:
        qualname = "?"
    if type(module) is not str or module == "builtins":
        return qualname
    return f"{module}.{qualname}"


class TypeNames:
    """``type_name`` cached per type (a census names each of tens of thousands of objects' types)."""

    def __init__(self) -> None:
        self.cache: Dict[type, str] = {}

    def __call__(self, cls: type) -> str:
        name = self.cache.get(cls)
        if name is None:
            name = self.cache[cls] = type_name(cls)
        return name


def _sizeof(obj: Any) -> int:
    try:
        return sys.getsizeof(obj)
    except Exception:
        return 0


def census(args: Dict[str, Any], own: Iterable[Any] = ()) -> Dict[str, Any]:
    """Count and size the objects the collector tracks, per type. ``own``: objects the probe made for this
    command (the command message, its args), left out."""
    top = args.get("top", DEFAULT_TOP)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise CensusError(f"top must be an integer from 1 to {MAX_TOP}")
    t = time.time()
    per_type, total = _per_type(own)
    by_name: Dict[str, List[int]] = {}  # distinct types may share a name (classes made in a function)
    names = TypeNames()
    for cls, (count, size) in per_type.items():
        name = names(cls)
        entry = by_name.get(name)
        if entry is None:
            by_name[name] = [count, size]
        else:
            entry[0] += count
            entry[1] += size
    per_type.clear()
    ranked = sorted(by_name.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))[:top]
    return {
        "t": t,
        "total_objects": total,
        "types_total": len(by_name),
        "types": [{"type": name, "count": count, "size": size} for name, (count, size) in ranked],
    }


def _per_type(own: Iterable[Any]) -> Tuple[Dict[type, List[int]], int]:
    """[count, bytes] per type of the tracked objects, and their total count. The other threads wait while
    every object is listed and the exact tuples (the ones that may be being built, see world) are counted and
    let go of, all with C-level pipelines; the rest is sorted out while they run."""
    with world.others_paused():
        objects = gc.get_objects()
        is_tuple = list(map(is_, map(type, objects), repeat(tuple)))
        tuples = list(compress(objects, is_tuple))
        objects = list(compress(objects, map(not_, is_tuple)))
        is_tuple.clear()
        # sys.getsizeof of an exact tuple, summed without a call per tuple (each would allocate a bound method:
        # ~2 us while tracemalloc traces): the empty tuple's size plus one pointer per item.
        tuples_count = len(tuples)
        tuples_size = tuples_count * sys.getsizeof(()) + tuple.__itemsize__ * sum(map(len, tuples))
        tuples.clear()
    # Everything below is made after get_objects(): not in the list. No arithmetic per object (each new int
    # would be an allocation, which costs ~2 us more while tracemalloc traces): objects are put in one list
    # per type, then counted with len() and sized with sum(map(getsizeof, ...)), both in C.
    buckets: Dict[type, List[Any]] = {}
    for obj in objects:
        bucket = buckets.get(type(obj))
        if bucket is None:
            bucket = buckets[type(obj)] = []
        bucket.append(obj)
    del objects, obj
    for mine in own:  # the probe's own objects (a handful): out of their bucket
        bucket = buckets.get(type(mine))
        if bucket is not None:
            bucket[:] = [obj for obj in bucket if obj is not mine]
    per_type: Dict[type, List[int]] = {}
    total = tuples_count
    if tuples_count:
        per_type[tuple] = [tuples_count, tuples_size]
    for cls, bucket in buckets.items():
        size = 0
        # In slices: one C call over a large bucket would hold the GIL for its whole length (getsizeof costs
        # ~2 us a call while tracemalloc traces: ~60 ms for 30k dicts), and the app would wait that long.
        for start in range(0, len(bucket), _SIZE_SLICE):
            part = bucket[start : start + _SIZE_SLICE]
            try:
                size += sum(map(sys.getsizeof, part))
            except Exception:  # a broken __sizeof__: size the slice one by one
                size += sum(map(_sizeof, part))
        part = []
        if bucket:
            per_type[cls] = [len(bucket), size]
            total += len(bucket)
        bucket.clear()
    buckets.clear()
    return per_type, total
