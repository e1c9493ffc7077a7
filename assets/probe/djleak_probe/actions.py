"""The ``action`` command: the checklist's fixes that are safe to run inside the target, a fixed set (no
eval), each measured before and after (RSS, allocated blocks, tracked objects) with the figures it changes.

- ``gc_collect``: a full collection, with the bytes the freed garbage held.
- ``cache_clear`` {alias}: ``caches[alias].clear()``.
- ``lru_clear`` {target}: ``cache_clear()`` on a project function or method wrapped in ``functools.lru_cache``.
- ``container_clear`` {target}: ``.clear()`` on one of the dicts, lists, sets, deques the gauges name (``holders``:
  module globals, class attributes, middleware, app config and module-level instance attributes).
- ``close_connections``: Django's ``close_old_connections()`` here, and the connections other threads hold
  (a connection can only be closed by its own thread: they are reported, not touched).
- ``clear_expired_sessions``: the session engine's ``clear_expired()``.
- ``reset_queries``: empties every connection's ``queries_log`` (what ``django.db.reset_queries`` does for
  one thread).
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Tuple

from . import garbage, gauges, holders, referrers, sampler, sizing, world


class ActionError(Exception):
    """An action that cannot run here (unknown name, no such cache...): an ``ok:false`` reply."""


def _figures() -> Dict[str, Any]:
    return {
        "rss": sampler.current_rss(),
        "heap": garbage.heap_in_use(),
        "blocks": sys.getallocatedblocks(),
        "gc_objects": world.tracked_objects(),
    }


def _name_arg(args: Dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= 300:
        raise ActionError(f"{key} must be a name of 1 to 300 characters")
    return value


def _gc_collect(args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    collected, garbage_bytes = garbage.collect_and_size()
    return (
        {"collected": collected, "garbage_bytes": garbage_bytes},
        f"a full collection freed {collected} unreachable objects holding ~{referrers.size_text(garbage_bytes)}",
    )


def _cache_clear(args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    alias = _name_arg(args, "alias")
    caches = dict(gauges.cache_objects())
    if alias not in caches:
        raise ActionError(f"no cache alias {alias!r} (configured: {', '.join(caches) or 'none'})")
    cache = caches[alias]
    before = gauges.locmem_figures(cache)
    cache.clear()
    after = gauges.locmem_figures(cache)
    effect = {"entries_before": before and before[0], "entries_after": after and after[0],
              "bytes_before": before and before[1], "bytes_after": after and after[1]}
    freed = f" ({before[0]} entries, {referrers.size_text(before[1])})" if before else ""
    return effect, f"cleared cache {alias!r}{freed}"


def _lru_clear(args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    name = _name_arg(args, "target")
    found = dict(gauges.lru_functions(args.get("project")))
    if name not in found:
        raise ActionError(f"{name} is not an lru_cache function of the project")
    before = found[name].cache_info().currsize
    found[name].cache_clear()
    return {"entries_before": before, "entries_after": found[name].cache_info().currsize}, f"cleared {name} ({before} entries)"


def _container_clear(args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    name = _name_arg(args, "target")
    # The gauges' names (holders): module globals, class attributes, middleware, app config and module-level
    # instance attributes; several middleware instances may share a name, each is cleared.
    found = [v for v in holders.find(args.get("project"), name) if not sizing.is_a(v, frozenset)]
    if not found:
        raise ActionError(
            f"{name} is not a dict, list, set or deque the project keeps (module global, class attribute, "
            "middleware or app config attribute)"
        )
    entries = sum(map(len, found))
    size = sum(sizing.container_bytes(v) for v in found)
    for value in found:
        value.clear()
    effect = {"entries_before": entries, "entries_after": sum(map(len, found)), "bytes_before": size,
              "bytes_after": sum(sizing.container_bytes(v) for v in found)}
    return effect, f"cleared {name} ({entries} entries, ~{referrers.size_text(size)})"


def _close_connections(args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    db = gauges._module("django.db")
    if db is None:
        raise ActionError("Django's database layer is not loaded in this process")
    before = gauges.db_state()
    db.close_old_connections()
    after = gauges.db_state()
    others = after["open_outside_requests"]
    effect = {"open_before": before["open"], "open_after": after["open"], "held_by_other_threads": others,
              "by_thread_name": after["open_by_thread_name"]}
    message = f"{before['open'] - after['open']} connection(s) closed here"
    if others:
        names = ", ".join(f"{n}× {t}" for t, n in after["open_by_thread_name"].items())
        message += (f"; {others} held by threads that do not serve requests ({names}): only their own thread "
                    "can close them (connection.close() / close_old_connections() when each job is done)")
    return effect, message


def _clear_expired_sessions(args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    store = gauges.session_store()
    if store is None:
        raise ActionError("no Django session engine is loaded in this process")
    before = gauges.sessions_state()
    try:
        store.clear_expired()
    except NotImplementedError:
        raise ActionError(f"{before['engine']} cannot clear expired sessions (they expire on their own)") from None
    finally:
        db = gauges._module("django.db")
        if db is not None:
            db.connections.close_all()  # this thread's connections only: the probe keeps none open
    after = gauges.sessions_state()
    effect = {"stored_before": before.get("stored"), "stored_after": after.get("stored"),
              "expired_before": before.get("expired"), "expired_after": after.get("expired")}
    return effect, f"removed {(before.get('expired') or 0) - (after.get('expired') or 0)} expired session(s)"


def _reset_queries(args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    total = 0
    for wrapper in gauges.db_wrappers():
        log = getattr(wrapper, "queries_log", None)
        if log is not None:
            total += len(log)
            log.clear()
    return {"queries_before": total, "queries_after": 0}, f"emptied {total} logged queries"


ACTIONS: Dict[str, Callable[[Dict[str, Any]], Tuple[Dict[str, Any], str]]] = {
    "gc_collect": _gc_collect,
    "cache_clear": _cache_clear,
    "lru_clear": _lru_clear,
    "container_clear": _container_clear,
    "close_connections": _close_connections,
    "clear_expired_sessions": _clear_expired_sessions,
    "reset_queries": _reset_queries,
}


def action(args: Dict[str, Any]) -> Dict[str, Any]:
    name = args.get("name")
    run = ACTIONS.get(name) if isinstance(name, str) else None
    if run is None:
        raise ActionError(f"name must be one of {', '.join(ACTIONS)}")
    project = args.get("project")
    if project is not None and not isinstance(project, str):
        raise ActionError("project must be a folder path")
    before = _figures()
    effect, message = run(args)
    return {"name": name, "before": before, "after": _figures(), "effect": effect, "message": message}
