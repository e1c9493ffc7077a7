"""The ``referrers`` command's search (the command is in referrers.py): breadth-first up ``gc.get_referrers``,
one level at a time while the other threads wait, from a sample to the nearest root (``referrers_roots``), within
the command's budget.
"""

from __future__ import annotations

import gc
import time
from typing import Any, Dict, List, Optional, Tuple

from . import world
from .referrers_roots import KINDS, _Roots, _home_score

MAX_WIDTH = 200  # objects per BFS level (the rest of a level is left out, and the chain may be partial)


def _child_in(holder: Any, frontier: Dict[int, Any], nodes: List[Any]) -> Any:
    """Which of the frontier's objects ``holder`` refers to. Small frontiers are compared by identity: no
    id() per referent (each one an allocation, slow while tracemalloc traces)."""
    try:
        refs = gc.get_referents(holder)
    except Exception:
        return None
    if len(nodes) <= 8:
        for ref in refs:
            for node in nodes:
                if ref is node:
                    return ref
        return None
    for ref in refs:
        if id(ref) in frontier:
            return ref
    return None


# ---- the search --------------------------------------------------------------------------------------------


class _Found:
    def __init__(self) -> None:
        self.kind = "unknown"
        self.name = ""
        self.thread: Optional[str] = None
        self.path: List[Any] = []  # from the chain's first step down to the sample
        self.depth = 0
        self.partial = False
        self.exhausted = False
        self.signal: Any = None  # for "signal receivers": the Signal whose list path[0] is


def _search(sample: Any, roots: _Roots, max_depth: int, deadline: float) -> _Found:
    book = roots.book
    nodes: Dict[int, Any] = book.hold({id(sample): sample})
    below: Dict[int, int] = {id(sample): 0}  # id(node) -> id of the node it holds, one step down the chain
    frontier: List[Any] = book.hold([sample])
    found = _Found()
    depth = 0
    top = id(sample)
    cut = False

    def path_from(start: Any) -> List[Any]:
        path = [start]
        nid = below.get(id(start), 0)
        while nid:
            path.append(nodes[nid])
            nid = below.get(nid, 0)
        return path

    while frontier:
        if time.perf_counter() >= deadline:
            cut = True
            break
        # One level at a time while the other threads wait (see world): the app and the sampler run between
        # levels, and what is carried from one level to the next holds no tuple being built.
        with world.others_paused():
            best: Optional[Tuple[int, Tuple[str, str, Optional[str]], Any, int]] = None
            for node in frontier:
                root = roots.node_root(node)
                if root is not None:
                    rank = KINDS.index(root[0])
                    if best is None or rank < best[0]:
                        best = (rank, root, node, depth)
            if best is None and depth >= max_depth:
                cut = True
                break
            if best is None or best[1][0] == "frame local":
                # Climb one level. With a node that is only some thread's local, look for a better root as
                # near (a module global holding the same object names it better); the other node roots
                # (signal receivers, lru_cache, thread, gc.garbage) are more telling than whatever holds them.
                level: Dict[int, Any] = book.hold({id(n): n for n in frontier})
                referrers = book.hold(gc.get_referrers(*frontier))
                if roots.hidden:
                    for node in frontier:
                        holder = roots.hidden.get(id(node))
                        if holder is not None:
                            referrers.append(holder)
                following: List[Any] = book.hold([])
                child_of: Dict[int, int] = {}  # id(holder) -> id of the node it holds
                found_node_root = best is not None
                for i, holder in enumerate(referrers):
                    if i % 64 == 63 and time.perf_counter() >= deadline:
                        cut = True
                        break
                    hid = id(holder)
                    if hid in nodes or hid in child_of or roots.ignored(holder):
                        continue
                    child = _child_in(holder, level, frontier)
                    if child is None:
                        continue
                    root = roots.holder_root(holder, child)
                    if root is not None:
                        rank = KINDS.index(root[0])
                        if best is None or rank < best[0] or (
                            rank == best[0] == 0 and _home_score(root[1], child) < _home_score(best[1][1], best[2])
                        ):
                            best = (rank, root, child, depth)
                        continue
                    if found_node_root:
                        continue
                    if len(following) >= MAX_WIDTH:
                        cut = True
                        continue
                    child_of[hid] = id(child)
                    following.append(holder)
                referrers.clear()
                level.clear()
                holder = child = None
                world.settle(following, book.keep)
                for holder in following:
                    nodes[id(holder)] = holder
                    below[id(holder)] = child_of[id(holder)]
                holder = None
                if best is None and cut:
                    break
                if best is None:
                    frontier = following
                    depth += 1
                    if frontier:
                        top = id(frontier[0])
                    continue
            assert best is not None
            _, (found.kind, found.name, found.thread), start, found.depth = best
            found.path = path_from(start)
            found.depth = len(found.path) - 1
            if found.kind == "signal receivers":
                found.signal = roots.signal_lists.get(id(start))
            return found
    found.partial = cut
    found.exhausted = not cut
    found.path = path_from(nodes[top])
    found.depth = len(found.path) - 1
    return found
