"""The ``gauges`` command: what the checklist's detectors read, on demand and cheap (a few ms).

- ``gc``: collector state, thresholds, per-generation collections, ``gc.garbage``, frozen objects.
- ``caches``: every configured Django cache (backend, entries and bytes for local-memory caches, limits).
- ``db``: Django connections in every thread (found on the heap), which threads hold them, whether those
  threads serve requests (or do background work), how long each has been seen open, ``queries_log`` lengths.
- ``sessions``: the session engine and the stored sessions (count, bytes, expired) where that is cheap.
- ``containers`` / ``lru_caches``: the project's module-level dicts, lists, sets and deques by size, and the
  ``functools.lru_cache`` functions among the project's module globals.
- ``signals``: Django signals with receivers, and how many of them are held strongly (``weak=False``).
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

from . import world

MAX_ROWS = 50
_SIZED_VALUES = 2000  # container values sized (sys.getsizeof) at the most: beyond that, extrapolated
_CONTAINERS = (dict, list, set, frozenset, collections.deque)
_LIBRARY_MARKERS = ("/site-packages/", "/dist-packages/", "/.venv/", "/venv/", "/env/lib/")
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


def locmem_figures(cache: Any) -> Optional[Tuple[int, int]]:
    """(entries, bytes of the pickled values) of a local-memory cache; None for other backends."""
    store = getattr(cache, "_cache", None)
    lock = getattr(cache, "_lock", None)
    if not isinstance(store, dict) or lock is None:
        return None
    with lock:
        values = list(store.values())
    return len(values), sum(len(v) if isinstance(v, (bytes, bytearray)) else sys.getsizeof(v) for v in values)


def caches_state() -> List[Dict[str, Any]]:
    rows = []
    for alias, cache in cache_objects():
        cls = type(cache)
        figures = locmem_figures(cache)
        rows.append(
            {
                "alias": alias,
                "backend": f"{cls.__module__}.{cls.__qualname__}",
                "entries": figures[0] if figures else None,
                "bytes": figures[1] if figures else None,
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
    }


# ---- sessions --------------------------------------------------------------------------------------------


def session_store() -> Any:
    settings = _settings()
    if settings is None:
        return None
    engine = getattr(settings, "SESSION_ENGINE", "")
    module = _module(engine)
    return getattr(module, "SessionStore", None) if module is not None else None


def sessions_state(count: bool = True) -> Dict[str, Any]:
    """The session engine and, with ``count``, what it stores (a database engine: aggregate queries over the
    whole session table)."""
    settings = _settings()
    if settings is None:
        return {"engine": None}
    engine = settings.SESSION_ENGINE
    if not count:
        return {"engine": engine}
    out: Dict[str, Any] = {"engine": engine, "stored": None, "bytes": None, "expired": None}
    store = session_store()
    if store is None:
        return out
    if engine.endswith((".db", ".cached_db")):
        out.update(_db_sessions(store))
    elif engine.endswith(".file"):
        out.update(_file_sessions(store, settings))
    elif engine.endswith(".cache"):
        prefix = getattr(_module(engine), "KEY_PREFIX", "django.contrib.sessions.cache")
        out["stored"] = _cache_sessions(settings, prefix)
    return out


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
    return {"stored": figures["n"], "bytes": figures["b"] or 0, "expired": expired}


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


def _cache_sessions(settings: Any, prefix: str) -> Optional[int]:
    cache_module = _module("django.core.cache")
    cache = cache_module.caches[getattr(settings, "SESSION_CACHE_ALIAS", "default")]
    store = getattr(cache, "_cache", None)
    if not isinstance(store, dict):
        return None
    with cache._lock:
        return sum(1 for key in list(store) if prefix in str(key))


# ---- the project's module state --------------------------------------------------------------------------


_in_project: Dict[Tuple[str, str], bool] = {}  # (project, module file) -> inside it: realpath once per file


def project_modules(project: Optional[str]) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(module name, globals) of the modules whose file is inside the project (outside virtualenvs)."""
    if not project:
        return
    root = os.path.join(os.path.realpath(project), "")
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) if module is not None else None
        if not isinstance(path, str) or name.startswith("djleak_probe"):
            continue
        inside = _in_project.get((root, path))
        if inside is None:
            real = os.path.realpath(path)
            inside = real.startswith(root) and not any(m in real[len(root) - 1 :] for m in _LIBRARY_MARKERS)
            _in_project[(root, path)] = inside
        if inside:
            attrs = getattr(module, "__dict__", None)
            if type(attrs) is dict:
                yield name, attrs


def _approx_bytes(container: Any) -> int:
    """The container and its values (dict values, list/set items), sized one level deep."""
    size = sys.getsizeof(container)
    items = container.values() if isinstance(container, dict) else container
    n = len(container)
    sized = 0
    for i, value in enumerate(items):
        if i >= _SIZED_VALUES:
            break
        sized += sys.getsizeof(value)
    if n > _SIZED_VALUES:
        sized = sized * n // _SIZED_VALUES
    return size + sized


def containers_state(project: Optional[str]) -> List[Dict[str, Any]]:
    rows = []
    for module, attrs in project_modules(project):
        for key, value in list(attrs.items()):
            if type(key) is not str or not isinstance(value, _CONTAINERS) or isinstance(value, type):
                continue
            if key.startswith("__") or not len(value):
                continue
            rows.append(
                {
                    "name": f"{module}.{key}",
                    "type": type(value).__name__,
                    "len": len(value),
                    "bytes": _approx_bytes(value),
                }
            )
    rows.sort(key=lambda r: r["bytes"], reverse=True)
    return rows[:MAX_ROWS]


def lru_functions(project: Optional[str]) -> Iterator[Tuple[str, Any]]:
    if _LRU is None:
        return
    for module, attrs in project_modules(project):
        for key, value in list(attrs.items()):
            if type(key) is str and type(value) is _LRU and getattr(value, "__module__", None) == module:
                yield f"{module}.{key}", value


def lru_state(project: Optional[str]) -> List[Dict[str, Any]]:
    rows = []
    for name, func in lru_functions(project):
        info = func.cache_info()
        rows.append(
            {
                "name": name,
                "maxsize": info.maxsize,
                "currsize": info.currsize,
                "hits": info.hits,
                "misses": info.misses,
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
            if type(key) is str and isinstance(value, signal_cls):
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
        strong = sum(1 for receiver in receivers if not isinstance(receiver, weakref.ref))
        rows.append({"name": names[sid], "receivers": len(receivers), "strong": strong})
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
