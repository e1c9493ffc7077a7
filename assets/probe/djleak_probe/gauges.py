"""The ``gauges`` command: what the checklist's detectors read, on demand and cheap (a few ms). Each part that
holds memory says roughly how many bytes (``sizing``), so the detectors can say how many bytes a request each
piece of evidence accounts for.

- ``gc``: collector state, thresholds, per-generation collections, ``gc.garbage``, frozen objects.
- ``caches``: every configured Django cache (backend; entries, bytes and what the newest entry costs for
  local-memory caches; limits).
- ``db``: Django connections in every thread (found on the heap), which threads hold them, whether those
  threads serve requests (or do background work), how long each has been seen open, ``queries_log`` lengths,
  and what the threads holding connections outside requests keep on their stacks.
- ``sessions``: the session engine, the sessions held in this process's memory (a local-memory cache), and
  the stored sessions (count, bytes, expired, the table) where that is cheap.
- ``containers`` / ``lru_caches``: the project's long-lived dicts, lists, sets and deques (``holders``: module
  globals, class attributes, middleware, app configs, module-level instances) with their size, what one more
  entry costs, the callbacks of registries and whether they are keyed by session keys; and the
  ``functools.lru_cache`` functions of the project's modules and classes.
- ``signals``: Django signals with receivers, how many of them are held strongly (``weak=False``), and what
  those keep.
- ``threads``: live threads by name.

Django is never imported here: only modules the app already imported are used (an import from a probe
thread can deadlock a fork). Each part fails on its own (``{"error": ...}``), never the whole command.
"""

from __future__ import annotations

import collections
import functools
import gc
import os
import re
import sys
import threading
import time
import weakref
from itertools import compress, repeat
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from . import holders, sizing, world
from .referrers import _instance_dict, _type_dict
from .sizing import is_a

MAX_ROWS = 50
_SIZED_VALUES = 2000  # container values sized (sys.getsizeof) at the most: beyond that, extrapolated
_MAX_CHANGED = 500  # container rows that changed since the previous call, listed whatever their size
_SIZED_THREADS = 4  # background threads whose frames are sized at the most: beyond that, extrapolated
_LRU: Optional[type] = getattr(functools, "_lru_cache_wrapper", None)
_first_open: Dict[Tuple[int, int], float] = {}  # (id(wrapper), id(raw connection)) -> first seen open
# Threads that have served a (sync) request, by ident (the middleware adds them): a database connection held
# by any other thread is held by background work, where Django's request_finished cleanup never closes it.
SERVED: Set[int] = set()
# Requests per "METHOD route" in this process since it started (the middleware counts the ones it records):
# what a recording's measurements are attributed to.
ROUTE_COUNTS: Dict[str, int] = {}


class GaugeError(Exception):
    """Unusable arguments (turned into an ``ok:false`` reply)."""


def _module(name: str) -> Any:
    return sys.modules.get(name)


def _part(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # one part failing leaves the others
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}


def _settings() -> Any:
    conf = _module("django.conf")
    settings = getattr(conf, "settings", None) if conf is not None else None
    if settings is None or not settings.configured:
        return None
    return settings


def gc_state() -> Dict[str, Any]:
    return {
        "enabled": gc.isenabled(),
        "threshold": list(gc.get_threshold()),
        "count": list(gc.get_count()),
        "stats": [
            {k: int(s.get(k, 0)) for k in ("collections", "collected", "uncollectable")} for s in gc.get_stats()
        ],
        "garbage": len(gc.garbage),
        "frozen": gc.get_freeze_count(),
    }


# ---- Django caches ---------------------------------------------------------------------------------------


def cache_objects() -> Iterator[Tuple[str, Any]]:
    """(alias, cache) for every configured cache alias."""
    settings = _settings()
    cache_module = _module("django.core.cache")
    if settings is None or cache_module is None:
        return
    for alias in getattr(settings, "CACHES", {}) or {}:
        yield alias, cache_module.caches[alias]


def locmem_figures(cache: Any, prefix: Optional[str] = None) -> Optional[Tuple[int, int]]:
    """(entries, bytes) of a local-memory cache (only the keys containing ``prefix``, when given): each entry's
    pickled value, key and expiry, with its share of the two dicts' tables. None for other backends."""
    figures = _locmem(cache, prefix)
    return (figures[0], figures[1]) if figures else None


def _locmem(cache: Any, prefix: Optional[str] = None, newest: bool = False) -> Optional[Tuple[int, int, int]]:
    """(entries, bytes, bytes of one of the newest entries when ``newest``) of a local-memory cache."""
    store = getattr(cache, "_cache", None)
    expiry = getattr(cache, "_expire_info", None)
    lock = getattr(cache, "_lock", None)
    if not is_a(store, dict) or lock is None:
        return None
    with lock:
        items = list(store.items())
        tables = sizing.sizeof(store) + sizing.sizeof(expiry)
    if prefix is not None:
        items = [(k, v) for k, v in items if prefix in str(k)]
    if not items:
        return 0, 0, 0
    n = len(items)
    per_entry = tables // max(1, len(store)) + 24  # the table share, and the expiry (a float)
    sample = items[:: max(1, n // _SIZED_VALUES)]
    sized = sum(sizing.sizeof(k) + sizing.sizeof(v) for k, v in sample) * n // len(sample)
    recent = items[-sizing.NEWEST :] if newest else []
    each = sum(sizing.sizeof(k) + sizing.sizeof(v) for k, v in recent) // len(recent) + per_entry if recent else 0
    return n, sized + per_entry * n, each


def caches_state() -> List[Dict[str, Any]]:
    rows = []
    for alias, cache in cache_objects():
        cls = type(cache)
        figures = _locmem(cache, newest=True)
        rows.append(
            {
                "alias": alias,
                "backend": f"{cls.__module__}.{cls.__qualname__}",
                "entries": figures[0] if figures else None,
                "bytes": figures[1] if figures else None,
                "entry_bytes": figures[2] if figures else None,
                "max_entries": getattr(cache, "_max_entries", None),
                "cull_frequency": getattr(cache, "_cull_frequency", None),
                "default_timeout": getattr(cache, "default_timeout", None),
            }
        )
    return rows


# ---- database connections --------------------------------------------------------------------------------


def db_wrappers() -> List[Any]:
    """Every Django DatabaseWrapper on the heap (one per alias per thread that used the database)."""
    base_module = _module("django.db.backends.base.base")
    base = getattr(base_module, "BaseDatabaseWrapper", None) if base_module is not None else None
    if base is None:
        return []
    with world.others_paused():  # the list of every object must not outlive the pause
        objects = gc.get_objects()
        try:
            return list(compress(objects, map(issubclass, map(type, objects), repeat(base))))
        finally:
            objects.clear()


def served_threads(alive: Iterable[int]) -> Set[int]:
    """The live threads that have served a request (the ones that ended are forgotten here)."""
    alive = set(alive)
    for ident in list(SERVED):
        if ident not in alive:
            SERVED.discard(ident)
    return SERVED & alive


def _probe_thread(ident: Optional[int], names: Dict[int, str]) -> bool:
    return ident == threading.get_ident() or names.get(ident or 0, "").startswith("djleak-")


def db_state() -> Dict[str, Any]:
    now = time.time()
    names = {t.ident: t.name for t in threading.enumerate() if t.ident is not None}
    serving = served_threads(names)
    rows: List[Dict[str, Any]] = []
    outside: List[Tuple[Any, Optional[int]]] = []  # (wrapper, thread) of connections held outside requests
    seen = set()
    for wrapper in db_wrappers():
        ident = getattr(wrapper, "_thread_ident", None)
        if _probe_thread(ident, names):
            continue
        raw = getattr(wrapper, "connection", None)
        key = (id(wrapper), id(raw))
        if raw is not None:
            seen.add(key)
            _first_open.setdefault(key, now)
        log = getattr(wrapper, "queries_log", None)
        rows.append(
            {
                "alias": getattr(wrapper, "alias", "?"),
                "vendor": getattr(wrapper, "vendor", "?"),
                "open": raw is not None,
                "thread": names.get(ident or 0),
                "thread_alive": ident in names,
                "serving": ident in serving,
                "age_s": round(now - _first_open[key], 1) if raw is not None else None,
                "queries_logged": len(log) if log is not None else 0,
            }
        )
        if raw is not None and ident not in serving:
            outside.append((wrapper, ident if ident in names else None))
    for key in [k for k in _first_open if k not in seen]:
        del _first_open[key]
    opened = [r for r in rows if r["open"]]
    background = [r for r in opened if not r["serving"]]
    by_thread: Dict[str, int] = collections.Counter(
        (re.sub(r"\d+", "N", r["thread"]) if r["thread_alive"] else "(thread ended)") for r in background
    )
    return {
        "wrappers": len(rows),
        "open": len(opened),
        "open_by_alias": dict(collections.Counter(r["alias"] for r in opened)),
        "open_outside_requests": len(background),
        "open_by_thread_name": dict(by_thread.most_common(MAX_ROWS)),
        "oldest_open_s": max((max(0.0, r["age_s"]) for r in opened), default=None),
        "queries_logged": sum(r["queries_logged"] for r in rows),
        "debug": bool(getattr(_settings(), "DEBUG", False)),
        "background_bytes": sum(sizing.held(w, 1) for w, _ in outside) + threads_bytes({t for _, t in outside if t}),
    }


def threads_bytes(idents: Set[int]) -> int:
    """What the threads ``idents`` keep on their stacks: their frames and, two levels down, the locals (each
    object once per thread); the first threads sized, the rest extrapolated."""
    frames = sys._current_frames()
    chosen = [i for i in sorted(idents) if i in frames][:_SIZED_THREADS]
    total = 0
    for ident in chosen:
        seen: Set[int] = set()
        frame: Any = frames[ident]
        while frame is not None:
            total += sizing.sizeof(frame)
            try:
                local = frame.f_locals
                values = list(local.values()) if local is not frame.f_globals else []
            except Exception:
                values = []
            for value in values:
                if id(value) not in seen:
                    seen.add(id(value))
                    total += sizing.held(value)
            frame = frame.f_back
        del frame
    frames.clear()
    return total * len(idents) // len(chosen) if chosen else 0


# ---- sessions --------------------------------------------------------------------------------------------


def session_store() -> Any:
    settings = _settings()
    if settings is None:
        return None
    engine = getattr(settings, "SESSION_ENGINE", "")
    module = _module(engine)
    return getattr(module, "SessionStore", None) if module is not None else None


def sessions_state(count: bool = True) -> Dict[str, Any]:
    """The session engine, the sessions this process keeps in its own memory (``in_memory``: the cache and
    cached_db engines on a local-memory cache; null when they live elsewhere) and, with ``count``, what the
    engine stores (a database engine: aggregate queries over the whole session table, named in ``table``)."""
    settings = _settings()
    if settings is None:
        return {"engine": None}
    engine = settings.SESSION_ENGINE
    out: Dict[str, Any] = {"engine": engine, "in_memory": _memory_sessions(settings, engine)}
    if not count:
        return out
    out.update({"stored": None, "bytes": None, "expired": None})
    store = session_store()
    if store is None:
        return out
    if engine.endswith((".db", ".cached_db")):
        out.update(_db_sessions(store))
    elif engine.endswith(".file"):
        out.update(_file_sessions(store, settings))
    elif engine.endswith(".cache") and out["in_memory"] is not None:
        out["stored"] = out["in_memory"]["stored"]
    return out


def _memory_sessions(settings: Any, engine: str) -> Optional[Dict[str, Any]]:
    if not engine.endswith((".cache", ".cached_db")):
        return None
    default = "django.contrib.sessions." + engine.rpartition(".")[2]
    prefix = getattr(_module(engine), "KEY_PREFIX", default)
    alias = getattr(settings, "SESSION_CACHE_ALIAS", "default")
    figures = locmem_figures(_module("django.core.cache").caches[alias], prefix)
    return {"alias": alias, "stored": figures[0], "bytes": figures[1]} if figures else None


def _db_sessions(store: Any) -> Dict[str, Any]:
    """Count, bytes and expired rows of the session table: two aggregate queries on this (probe) thread's
    own connection, closed again right away so it never looks like a leaked connection."""
    model = store.get_model_class()
    models = _module("django.db.models")
    functions = _module("django.db.models.functions")
    timezone = _module("django.utils.timezone")
    db = _module("django.db")
    alias = db.router.db_for_read(model)
    try:
        size = models.Sum(functions.Length("session_data")) if functions is not None else models.Count("pk")
        figures = model.objects.using(alias).aggregate(n=models.Count("pk"), b=size)
        expired = model.objects.using(alias).filter(expire_date__lt=timezone.now()).count()
    finally:
        db.connections[alias].close()
    return {"stored": figures["n"], "bytes": figures["b"] or 0, "expired": expired, "table": model._meta.db_table}


def _file_sessions(store: Any, settings: Any) -> Dict[str, Any]:
    folder = store._get_storage_path()
    prefix = settings.SESSION_COOKIE_NAME
    count = size = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.is_file():
                count += 1
                size += entry.stat().st_size
    return {"stored": count, "bytes": size}


# ---- the project's module state --------------------------------------------------------------------------


_entry_bytes: Dict[int, Tuple[int, int]] = {}  # id(container) -> (len, entry_bytes): sized again when len changes
_last_len: Dict[str, int] = {}  # row name -> len at the previous call: rows that changed come first


def containers_state(project: Optional[str]) -> List[Dict[str, Any]]:
    """The project's non-empty long-lived containers (``holders``), each once under its shortest name (the one
    the referrer search gives a module global), rows of one name summed (several middleware instances): those
    whose length changed since the previous call, then the largest others up to MAX_ROWS."""
    chosen: Dict[int, Tuple[str, str, Any]] = {}
    for name, holder, value in holders.named_containers(project):
        old = chosen.get(id(value))
        if len(value) and (old is None or (len(name), name) < (len(old[0]), old[0])):
            chosen[id(value)] = (name, holder, value)
    sized = {k: v for k, v in _entry_bytes.items() if k in chosen}
    rows: Dict[str, Dict[str, Any]] = {}
    for cid, (name, holder, value) in chosen.items():
        row = _container_row(name, holder, value, cid, sized)
        if row is None:
            continue
        same = rows.get(name)
        if same is None:
            rows[name] = row
        else:
            for key in ("len", "bytes", "callbacks"):
                if key in row or key in same:
                    same[key] = same.get(key, 0) + row.get(key, 0)
    _entry_bytes.clear()
    _entry_bytes.update(sized)
    # Every row that changed (a container growing now must be in both gauges around an endpoint's requests, so
    # that its growth is measured), then the largest of the others, MAX_ROWS in all when few changed.
    changed = sorted((r for r in rows.values() if _last_len.get(r["name"]) != r["len"]), key=lambda r: -r["bytes"])
    others = sorted((r for r in rows.values() if _last_len.get(r["name"]) == r["len"]), key=lambda r: -r["bytes"])
    ordered = changed[:_MAX_CHANGED] + others[: max(0, MAX_ROWS - len(changed))]
    _last_len.clear()
    _last_len.update((r["name"], r["len"]) for r in rows.values())
    return ordered


def _container_row(
    name: str, holder: str, value: Any, cid: int, sized: Dict[int, Tuple[int, int]]
) -> Optional[Dict[str, Any]]:
    """One container's figures. The app may change it while they are read (a dict that changes size under an
    iteration raises): read again, up to three times, else left out this time."""
    for _ in range(3):
        try:
            n = len(value)
            registry = sizing.registry(value)
            if registry is None and sized.get(cid, (-1, 0))[0] != n:
                sized[cid] = (n, sizing.entry_bytes(value))
            row = {
                "name": name,
                "type": type(value).__name__,
                "holder": holder,
                "len": n,
                "bytes": sizing.container_bytes(value, _SIZED_VALUES),
                # A registry: what one of its callbacks keeps; another container: what one more entry costs.
                "entry_bytes": registry[1] if registry else sized[cid][1],
            }
            if registry is not None:
                row["callbacks"] = registry[0]
            if sizing.session_keyed(value):
                row["session_keys"] = True
            return row
        except RuntimeError:
            continue
    return None


def lru_functions(project: Optional[str]) -> Iterator[Tuple[str, Any]]:
    """(name, wrapper) of the project's lru_cache functions: module globals defined there, and methods
    (static and class methods too) of the classes defined there."""
    if _LRU is None:
        return
    for module, attrs in holders.project_modules(project):
        for key, value in list(attrs.items()):
            if type(key) is str and type(value) is _LRU and getattr(value, "__module__", None) == module:
                yield f"{module}.{key}", value
    for cls_name, cls in holders.project_classes(project):
        for key, value in list(_type_dict(cls).items()):
            func = getattr(value, "__func__", value) if type(value) in (staticmethod, classmethod) else value
            if type(key) is str and type(func) is _LRU:
                yield f"{cls_name}.{key}", func


def _lru_cache_dict(func: Any, size: int) -> Optional[Dict[Any, Any]]:
    """The lru_cache's own dict (arguments -> result; for a bounded one, -> a link of its list): the C wrapper
    keeps it out of reach but hands it to the collector, after a bounded cache's keys and results."""
    own = _instance_dict(func)
    found = [r for r in gc.get_referents(func) if type(r) is dict and r is not own and len(r) == size]
    return found[-1] if found else None


def lru_state(project: Optional[str]) -> List[Dict[str, Any]]:
    rows = []
    for name, func in lru_functions(project):
        info = func.cache_info()
        cache = _lru_cache_dict(func, info.currsize)
        rows.append(
            {
                "name": name,
                "maxsize": info.maxsize,
                "currsize": info.currsize,
                "hits": info.hits,
                "misses": info.misses,
                # A bounded cache's results hang off its links (not sized): its figures are the keys'.
                "bytes": sizing.container_bytes(cache, _SIZED_VALUES) if cache is not None else None,
                "entry_bytes": sizing.entry_bytes(cache) if cache is not None else None,
            }
        )
    rows.sort(key=lambda r: r["currsize"], reverse=True)
    return rows[:MAX_ROWS]


# ---- signals and threads ---------------------------------------------------------------------------------


def signals_state() -> List[Dict[str, Any]]:
    dispatcher = _module("django.dispatch.dispatcher")
    signal_cls = getattr(dispatcher, "Signal", None) if dispatcher is not None else None
    if signal_cls is None:
        return []
    names: Dict[int, str] = {}
    found: Dict[int, Any] = {}
    for name, module in list(sys.modules.items()):
        attrs = getattr(module, "__dict__", None) if module is not None else None
        if type(attrs) is not dict or name.startswith("djleak_probe"):
            continue
        for key, value in list(attrs.items()):
            if type(key) is str and issubclass(type(value), signal_cls):
                full = f"{name}.{key}"
                old = names.get(id(value))
                # The defining module's name: a *signals module first, then the shortest.
                rank = (not name.endswith("signals"), len(full))
                if old is None or rank < (not old.rpartition(".")[0].endswith("signals"), len(old)):
                    names[id(value)] = full
                found[id(value)] = value
    rows = []
    for sid, signal in found.items():
        # Weak receivers whose object died stay listed until the signal's next connect or send.
        receivers = [e[1] for e in list(getattr(signal, "receivers", [])) if not _dead(e[1])]
        if not receivers:
            continue
        strong = [receiver for receiver in receivers if not is_a(receiver, weakref.ref)]
        # What each strong receiver keeps (a bound method: its object), from the newest ones.
        newest = strong[-sizing.NEWEST :]
        each = sum(map(sizing.held, newest)) // len(newest) if newest else 0
        rows.append(
            {"name": names[sid], "receivers": len(receivers), "strong": len(strong), "strong_bytes": each * len(strong)}
        )
    rows.sort(key=lambda r: r["receivers"], reverse=True)
    return rows[:MAX_ROWS]


def _dead(receiver: Any) -> bool:
    return isinstance(receiver, weakref.ref) and receiver() is None


def threads_state() -> Dict[str, Any]:
    threads = [t for t in threading.enumerate() if not t.name.startswith("djleak-")]
    by_name = collections.Counter(re.sub(r"\d+", "N", t.name) for t in threads)  # Thread-N (process_request)
    return {"count": len(threads), "by_name": dict(by_name.most_common(MAX_ROWS))}


def gauges(args: Dict[str, Any]) -> Dict[str, Any]:
    project = args.get("project")
    if project is not None and (not isinstance(project, str) or not os.path.isabs(project)):
        raise GaugeError("project must be an absolute folder path")
    count_sessions = args.get("sessions", True)
    if not isinstance(count_sessions, bool):
        raise GaugeError("sessions must be true or false")
    started = time.perf_counter()
    result = {
        "t": time.time(),
        "gc": _part(gc_state),
        "caches": _part(caches_state),
        "db": _part(db_state),
        "sessions": _part(lambda: sessions_state(count_sessions)),
        "containers": _part(lambda: containers_state(project)),
        "lru_caches": _part(lambda: lru_state(project)),
        "signals": _part(signals_state),
        "threads": _part(threads_state),
    }
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return result
