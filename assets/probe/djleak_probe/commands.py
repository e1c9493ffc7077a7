"""The fixed set of engine commands (no eval). ``handle`` turns a ``command`` message into a ``reply``; a
command may stream messages ahead of its reply through ``emit`` (the link's ``send_reliable``)."""

from __future__ import annotations

import gc
import sys
import threading
import time
from typing import Any, Callable, Dict, Optional, Tuple, Union

from . import actions, census, garbage, gauges, login, referrers, sampler, tracing, urlwalk, world

try:  # built in (no file to import); imported here, never lazily in the reader thread
    import _tracemalloc
except ImportError:  # other implementations
    _tracemalloc = None  # type: ignore[assignment]

Handler = Callable[[Dict[str, Any]], Dict[str, Any]]
Emit = Callable[[Union[Dict[str, Any], bytes]], bool]


class Context:
    """What some commands need beyond their args: ``emit`` (send ahead of the reply; None without a link) and
    ``own``, the objects the probe made for this command (the message, its args), which a census or a
    referrers search must not count."""

    def __init__(self, message: Dict[str, Any], args: Dict[str, Any], emit: Optional[Emit]) -> None:
        self.emit = emit
        self.own = (message, args)


ContextHandler = Callable[[Dict[str, Any], Context], Dict[str, Any]]


class CommandError(Exception):
    """A command was understood but its arguments are unusable."""


def _ping(args: Dict[str, Any]) -> Dict[str, Any]:
    return {"t": time.time()}


def _gc_collect(args: Dict[str, Any]) -> Dict[str, Any]:
    generation = args.get("generation", 2)
    if isinstance(generation, bool) or not isinstance(generation, int) or not 0 <= generation <= 2:
        raise CommandError("generation must be 0, 1 or 2")
    rss_before = sampler.current_rss()
    collected = gc.collect(generation)
    if generation == 0:  # ours, not the app's young collection (see _collect)
        garbage.young_collections_by_probe += 1
    elif generation == 2:
        garbage.full_collections_by_probe += 1
    return {"collected": collected, "rss_before": rss_before, "rss_after": sampler.current_rss()}


def _sample_now(args: Dict[str, Any]) -> Dict[str, Any]:
    return {"sample": sampler.take_sample()}


def _traced() -> Optional[int]:
    try:
        if _tracemalloc is not None and _tracemalloc.is_tracing():
            return int(_tracemalloc.get_traced_memory()[0])
    except Exception:
        pass
    return None


def _measurement() -> Dict[str, Any]:
    rss = sampler.current_rss()
    heap = garbage.heap_in_use()
    blocks = sys.getallocatedblocks()  # before get_objects() allocates its list
    gc_objects = world.tracked_objects()
    return {"rss": rss, "heap": heap, "blocks": blocks, "gc_objects": gc_objects, "traced": _traced()}


QUIESCE_S = 0.3  # how long a measurement waits at most for the last request's thread to go
_QUIESCE_POLL_S = 0.005


def _quiesce() -> None:
    """Wait until the number of threads has held still for a few polls (up to ``QUIESCE_S``).

    A server with a thread per request (``runserver``) answers, then tears the thread down: until it is gone,
    its frames hold that request's objects, and a measurement taken in between counts them or not by chance
    (±50 KB here)."""
    deadline = time.monotonic() + QUIESCE_S
    last, still = threading.active_count(), 0
    while still < 3 and time.monotonic() < deadline:
        time.sleep(_QUIESCE_POLL_S)
        now = threading.active_count()
        still = still + 1 if now == last else 0
        last = now


_young_collections: Optional[int] = None  # the app's collections of generation 0 by the last measurement


def _app_young_collections() -> int:
    return int(gc.get_stats()[0].get("collections", 0)) - garbage.young_collections_by_probe


def _collect() -> Tuple[int, int]:
    """The full collection of a measurement: the garbage objects it found and the bytes they held, leaving out
    the young part when the app collects its youngest generation itself (its collector is on, or it ran a young
    collection since the last measurement, as apps that disable gc and sweep generation 0 per request do): the
    app frees that part on its next young collection, and under a thread-per-request server it is the last
    request's, caught by chance (a 404's traceback cycle: ~100 objects a round read as 5 a request)."""
    global _young_collections
    sweeps = _app_young_collections()
    app_sweeps = gc.isenabled() or (_young_collections is not None and sweeps > _young_collections)
    (old, old_bytes), (young, young_bytes) = garbage.collect_and_size_split()
    _young_collections = sweeps
    if app_sweeps:
        return old, old_bytes
    return old + young, old_bytes + young_bytes


def _measure(args: Dict[str, Any]) -> Dict[str, Any]:
    collect = args.get("collect", True)
    if not isinstance(collect, bool):
        raise CommandError("collect must be true or false")
    with sampler.SAMPLING:
        _quiesce()
        # Request records and samples waiting to be sent (up to 0.5 s of them: ~100 KB under runserver) are the
        # probe's, not the app's: sent first. The runtime imported this module, so it is loaded already.
        runtime = sys.modules.get(__package__ + ".runtime")
        link = runtime.current_link() if runtime is not None else None
        if link is not None:
            link.drain()
        t = time.time()
        garbage.clear_type_cache()
        # Looked up before the first figures: the lookups make objects of their own.
        garbage.heap_trimmer()
        garbage.heap_in_use()
        before = _measurement()
        after: Optional[Dict[str, Any]] = None
        collected: Optional[int] = None
        garbage_bytes: Optional[int] = None
        if collect:
            collected, garbage_bytes = _collect()
            garbage.trim_heap()
            after = _measurement()
        return {
            "t": t,
            "before": before,
            "after": after,
            "collected": collected,
            "garbage_bytes": garbage_bytes,
            "gc_enabled": gc.isenabled(),
            "gc_threshold": list(gc.get_threshold()),
            "gc_collections": [int(s.get("collections", 0)) for s in gc.get_stats()],
            "probe_full_collections": garbage.full_collections_by_probe,
            "gc_frozen": gc.get_freeze_count(),
        }


def _urls(args: Dict[str, Any]) -> Dict[str, Any]:
    examples = args.get("examples", False)
    if not isinstance(examples, bool):
        raise CommandError("examples must be true or false")
    try:
        return urlwalk.list_urls(fill_examples=examples)
    except urlwalk.NotSetUp as exc:
        raise CommandError(str(exc)) from None


def _snapshot(args: Dict[str, Any], ctx: Context) -> Dict[str, Any]:
    return tracing.snapshot(args, ctx.emit)


def _census(args: Dict[str, Any], ctx: Context) -> Dict[str, Any]:
    return census.census(args, ctx.own)


def _referrers(args: Dict[str, Any], ctx: Context) -> Dict[str, Any]:
    return referrers.referrers(args, ctx.own)


COMMANDS: Dict[str, Handler] = {
    "ping": _ping,
    "gc_collect": _gc_collect,
    "sample_now": _sample_now,
    "measure": _measure,
    "urls": _urls,
    "trace_start": tracing.trace_start,
    "trace_stop": tracing.trace_stop,
    "trace_status": tracing.trace_status,
    "gauges": gauges.gauges,
    "action": actions.action,
    "login": login.login,
}

CONTEXT_COMMANDS: Dict[str, ContextHandler] = {
    "snapshot": _snapshot,
    "census": _census,
    "referrers": _referrers,
}

_ARG_ERRORS = (
    CommandError,
    tracing.TraceError,
    census.CensusError,
    referrers.ReferrersError,
    gauges.GaugeError,
    actions.ActionError,
    login.LoginError,
)


def handle(message: Dict[str, Any], emit: Optional[Emit] = None) -> Dict[str, Any]:
    """Answer one ``command`` message. Never raises. ``emit`` sends messages ahead of the reply (the link's
    ``send_reliable``); without it, commands that stream (``snapshot``) answer ``ok:false``."""
    cid = message.get("id")
    try:
        name = message.get("name")
        args = message.get("args")
        if args is None:
            args = {}
        handler = COMMANDS.get(name) if isinstance(name, str) else None
        context_handler = CONTEXT_COMMANDS.get(name) if isinstance(name, str) else None
        if handler is None and context_handler is None:
            return {"type": "reply", "id": cid, "ok": False, "error": "unknown command"}
        if not isinstance(args, dict):
            return {"type": "reply", "id": cid, "ok": False, "error": "args must be an object"}
        if context_handler is not None:
            result = context_handler(args, Context(message, args, emit))
        else:
            assert handler is not None
            result = handler(args)
        return {"type": "reply", "id": cid, "ok": True, "result": result}
    except _ARG_ERRORS as exc:
        return {"type": "reply", "id": cid, "ok": False, "error": str(exc)}
    except Exception as exc:  # a command never raises into the app
        return {"type": "reply", "id": cid, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
