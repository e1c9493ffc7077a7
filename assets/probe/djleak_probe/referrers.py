"""The ``referrers`` command: who holds the instances of a type (back-reference chains, as Dowser/objgraph).

For a few sample instances, a breadth-first search climbs ``gc.get_referrers`` (one call per level for the
whole frontier: one pass over the tracked objects) to the nearest *root*: a module global, a class attribute,
a running frame's local, a Django signal's receivers, an ``lru_cache``, a thread, ``gc.garbage``. Only the
objects the collector tracks are seen as referrers; running frames are not (CPython 3.11+), so their locals
are read from ``sys._current_frames()``. The probe's own containers, frames and threads are never referrers.

Nothing here runs app code on purpose: attributes are read through ``object``/``type`` descriptors, dicts and
lists through their base-class methods, types are tested with ``type()``/``issubclass`` (never ``isinstance``,
which may read a proxy's ``__class__``). One side effect: naming an attribute (a label) reads the instance's
``__dict__``, which CPython 3.11+ creates then for an instance that kept its attributes inline (a few objects
per chain, ~100 bytes each).
"""

from __future__ import annotations

import functools
import gc
import sys
import time
import tracemalloc
from itertools import compress, filterfalse, repeat
from operator import is_
from typing import Any, Callable, Dict, Iterable, List, Optional, Set

from . import world
from .census import TypeNames, _sizeof
from .referrers_labels import _steps, size_text
from .referrers_roots import _Book, _Roots, _instance_attr, _instance_dict, _type_dict
from .referrers_search import _search

# What other modules and the tests use from here (size_text, _instance_dict and _type_dict live in the
# referrers_* modules: imported here for actions, gauges, holders and sizing).
__all__ = ["LOOKUP_PAUSE_S", "ReferrersError", "referrers", "size_text", "_instance_dict", "_type_dict"]

DEFAULT_SAMPLES = 3
MAX_SAMPLES = 20
DEFAULT_MAX_DEPTH = 10
MAX_DEPTH = 50
DEFAULT_BUDGET_MS = 2000
LOOKUP_PAUSE_S = 5.0
MAX_BUDGET_MS = 60_000
PICKS = ("newest", "spread", "largest")


class ReferrersError(Exception):
    """Unusable arguments (turned into an ``ok:false`` reply)."""


def _int_arg(args: Dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ReferrersError(f"{name} must be an integer from {low} to {high}")
    return value


# ---- the command -------------------------------------------------------------------------------------------


def _site_matcher(site: Any) -> Optional[Callable[[Any], bool]]:
    if site is None:
        return None
    if (
        not isinstance(site, list) or len(site) != 2 or not isinstance(site[0], str)
        or isinstance(site[1], bool) or not isinstance(site[1], int)
    ):
        raise ReferrersError("site must be [filename, lineno]")
    if not tracemalloc.is_tracing():
        raise ReferrersError("site needs tracemalloc tracing (trace_start)")
    filename, lineno = site[0], site[1]

    wanted = (filename, lineno)

    def matches(obj: Any) -> bool:
        traceback = tracemalloc.get_object_traceback(obj)
        if traceback is None:
            return False
        frames = getattr(traceback, "_frames", None)  # the raw (filename, lineno) tuples: no Frame objects
        if type(frames) is tuple:
            return wanted in frames
        return any(frame.lineno == lineno and frame.filename == filename for frame in traceback)

    return matches


def referrers(args: Dict[str, Any], own: Iterable[Any] = ()) -> Dict[str, Any]:
    started = time.perf_counter()
    target = args.get("type")
    if not isinstance(target, str) or not 0 < len(target) <= 300:
        raise ReferrersError("type must be a type name (module.QualName, or a builtin such as dict)")
    n_samples = _int_arg(args, "samples", DEFAULT_SAMPLES, 1, MAX_SAMPLES)
    max_depth = _int_arg(args, "max_depth", DEFAULT_MAX_DEPTH, 1, MAX_DEPTH)
    budget_ms = _int_arg(args, "budget_ms", DEFAULT_BUDGET_MS, 0, MAX_BUDGET_MS)
    pick = args.get("pick", "newest")
    if pick not in PICKS:
        raise ReferrersError(f"pick must be one of {', '.join(PICKS)}")
    matches = _site_matcher(args.get("site"))
    budget = budget_ms / 1000.0
    deadline = started + budget  # for the spread+site checks; the search gets its own budget below
    book = _Book(own)
    names = TypeNames()
    book.hold(names.cache)
    signal_module = sys.modules.get("django.dispatch.dispatcher")
    signal_cls = _instance_attr(signal_module, "Signal") if signal_module is not None else None
    if not issubclass(type(signal_cls), type):
        signal_cls = None

    # Instances, newest first: the youngest generation first, each generation's list from its end (the
    # collector appends new objects and moves survivors to the end of the next generation's list). Filtered
    # with C-level pipelines (map/compress): no Python work, and no allocation, per object.
    candidates: List[Any] = book.hold([])
    types_seen: List[type] = book.hold([])
    signals: List[Any] = book.hold([])
    targets: List[type] = book.hold([])
    hidden: List[Any] = []
    # The lookup holds every object: the other threads wait meanwhile (see world). What it keeps (instances of
    # the target, types, signals, untracked containers; no tuple being built) is safe to hold after. Up to ~1 s
    # (tuples as the target, tracemalloc tracing): a longer pause than the default.
    with world.others_paused(LOOKUP_PAUSE_S):
        for generation in range(3):
            objects = book.hold(gc.get_objects(generation))
            try:
                objects.reverse()
                for cls in set(map(type, objects)):
                    if names(cls) == target and cls not in targets:
                        targets.append(cls)
                for cls in targets:
                    candidates.extend(world.exactly(objects, cls))
                types_seen.extend(compress(objects, map(issubclass, map(type, objects), repeat(type))))
                if signal_cls is not None:
                    signals.extend(compress(objects, map(issubclass, map(type, objects), repeat(signal_cls))))
            finally:  # also when a metaclass's __hash__ raises: its traceback must not hold the list after
                objects.clear()
        for mine in book.own:
            candidates[:] = filterfalse(functools.partial(is_, mine), candidates)
        tracked = bool(candidates)
        world.settle(candidates, book.keep)
        untracked = [] if tracked else _untracked_referents(book)
    if not tracked:
        # With a site, equal strings are not interchangeable: only the ones allocated there will do.
        hidden = _untracked_instances(target, names, candidates, untracked, book, by_value=matches is None)
    instances = len(candidates)
    if pick == "largest" or not tracked:
        # No age order for untracked objects: the largest first (a leaked payload is big).
        try:
            candidates.sort(key=sys.getsizeof, reverse=True)
        except Exception:  # a broken __sizeof__
            candidates.sort(key=_sizeof, reverse=True)
    checked = 0
    if matches is not None and pick == "spread":  # spread over the matching ones: check them all first
        kept: List[Any] = book.hold([])
        for obj in candidates:
            if checked % 256 == 255 and time.perf_counter() >= deadline:
                break
            checked += 1
            if matches(obj):
                kept.append(obj)
        candidates.clear()
        candidates.extend(kept)
        kept.clear()
        matches = None
    if pick == "spread" and len(candidates) > n_samples:
        step = (len(candidates) - 1) / max(1, n_samples - 1)
        order: List[Any] = book.hold([candidates[round(k * step)] for k in range(n_samples)])
        candidates.clear()
        candidates.extend(order)
        order.clear()
    picked: List[Any] = book.hold([])
    site_given = matches is not None or args.get("site") is not None
    for obj in candidates:
        if len(picked) >= n_samples:
            break
        if matches is not None:
            checked += 1
            if not matches(obj):
                continue
        picked.append(obj)
    candidates.clear()

    # The budget bounds the search; the instance lookup above (a few passes over the heap) comes on top.
    deadline = time.perf_counter() + budget
    roots = _Roots(book, types_seen, signals, names)  # modules, classes, signals, frames: no tuple being built
    if hidden:  # untracked containers only: safe to look into while the app runs
        roots.hidden = _hidden_holders(picked, hidden, deadline, book)
    types_seen.clear()
    chains: List[Dict[str, Any]] = []
    for sample in picked:
        found = _search(sample, roots, max_depth, deadline)
        with world.others_paused():  # labels read the containers on the chain: not while they change
            steps = _steps(found, names)
        root: Dict[str, Any] = {"kind": found.kind, "name": found.name or (steps[0]["label"] if steps else "?")}
        if found.thread is not None:
            root["thread"] = found.thread
        if found.kind == "unknown":
            root["exhausted"] = found.exhausted
        chains.append({"root": root, "steps": steps, "depth": found.depth, "partial": found.partial})
        found.path, found.signal = [], None
    # This frame can outlive the call in a reference cycle (it was among the objects listed above): it lets go
    # of the app's objects now, not at the next full collection (never, in an app with gc disabled).
    picked.clear()
    hidden.clear()
    sample = obj = roots = found = None  # type: ignore[assignment]
    result: Dict[str, Any] = {
        "type": target,
        "instances": instances,
        "tracked": tracked,
        "chains": chains,
        "partial": any(c["partial"] for c in chains),
        "elapsed_ms": 0.0,
    }
    if site_given:
        result["site_checked"] = checked
    book.keep.clear()
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return result


# Untracked types whose equal values are interchangeable: de-duplicated by value (hash, in C) instead of by
# identity (one id() per reference found, slow while tracemalloc traces).
_BY_VALUE = (str, bytes, int, float, complex)


def _untracked_referents(book: _Book) -> List[Any]:
    """The referents of the tracked objects that the collector does not track, by C-level pipelines, while the
    other threads wait: no tracked object (no tuple being built) is in what is kept."""
    objects = book.hold(gc.get_objects())
    refs = gc.get_referents(*objects)  # an object comes once per holder
    objects.clear()
    untracked: List[Any] = book.hold(list(filterfalse(gc.is_tracked, refs)))
    refs.clear()
    return untracked


def _untracked_instances(
    target: str, names: TypeNames, out: List[Any], refs: List[Any], book: _Book, by_value: bool = True
) -> List[Any]:
    """Instances the collector does not track (str, bytes, int, dicts and tuples of atomic values...): in
    ``refs`` (``_untracked_referents``), and in the untracked dicts and tuples those are (a dict of str -> str
    is untracked too), of the target type; str, bytes and numbers de-duplicated by value when ``by_value``
    (the first equal one found stands for all), others by identity. Safe while the app runs: untracked
    objects only.
    All filtering is done by C-level pipelines. Returns the untracked containers looked into: the holders
    ``gc.get_referrers`` cannot see (``_hidden_holders``)."""
    classes: List[type] = []
    found: List[Any] = book.hold([])
    containers: List[Any] = book.hold([])
    visited: Set[int] = set()
    while refs:
        for cls in set(map(type, refs)):
            if cls not in classes and names(cls) == target:
                classes.append(cls)
        for cls in classes:
            found.extend(filterfalse(gc.is_tracked, world.exactly(refs, cls)))
        inner: List[Any] = book.hold([])
        for container_type in (dict, tuple):
            for container in filterfalse(gc.is_tracked, world.exactly(refs, container_type)):
                if id(container) not in visited:
                    visited.add(id(container))
                    inner.append(container)
        refs.clear()
        containers.extend(inner)
        refs = book.hold(gc.get_referents(*inner)) if inner else []  # one level down
        inner.clear()
    if by_value and classes and all(cls in _BY_VALUE for cls in classes):
        out.extend(dict.fromkeys(found))
    else:
        out.extend({id(obj): obj for obj in found}.values())
    found.clear()
    return containers


def _hidden_holders(samples: List[Any], containers: List[Any], deadline: float, book: _Book) -> Dict[int, Any]:
    """id(object) -> the untracked container (from ``_untracked_instances``) holding it, for the untracked
    samples and, level by level, for the untracked containers holding them: no tracked object refers to such
    a container, so ``gc.get_referrers`` misses it. One pass over the containers per nesting level."""
    holders: Dict[int, Any] = book.hold({})
    wanted = [obj for obj in samples if not gc.is_tracked(obj)]
    while wanted and time.perf_counter() < deadline:
        found: List[Any] = book.hold([])
        for i, container in enumerate(containers):
            if i % 1024 == 1023 and time.perf_counter() >= deadline:
                break
            for ref in gc.get_referents(container):
                for obj in wanted:
                    if ref is obj and id(obj) not in holders:
                        holders[id(obj)] = container
                        found.append(container)
        wanted = [obj for obj in found if id(obj) not in holders]
    return holders
