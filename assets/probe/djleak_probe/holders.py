"""Where a Django project keeps long-lived containers, each under a readable name: what the checklist's gauges
measure and ``container_clear`` empties (both read ``named_containers``, so their names agree).

- module globals of the project's modules: ``shop.fragments._PRICE_LIST_FRAGMENTS``;
- class attributes of the classes defined there: ``newsroom.audit.EditorialAudit.entries``;
- attributes of long-lived instances: the project's module-level instances, and blinker-style signals (objects
  with a ``receivers`` dict) among its module globals: ``shop.services.prices._log``; the loaded middleware,
  reached from the probe's own middleware (first in the chain) or from a handler among the project's module
  globals (``newsroom.middleware.AuditMiddleware.recent``; a function middleware's closure:
  ``newsroom.middleware.timing.<locals>.middleware.history``); the app configs
  (``newsroom.apps.NewsroomConfig.registry``).

Nothing here imports Django or runs the app's code: instances are read through their ``__dict__`` slot, classes
through their own dict, closures through their cells, Django's modules only from ``sys.modules``.
"""

from __future__ import annotations

import collections
import os
import sys
import types
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from .census import _type_module, type_name
from .referrers import _instance_dict, _type_dict
from .sizing import is_a

CONTAINERS = (dict, list, set, frozenset, collections.deque)
MODULE, CLASS, INSTANCE = "module global", "class attribute", "instance attribute"
_LIBRARY_MARKERS = ("/site-packages/", "/dist-packages/", "/.venv/", "/venv/", "/env/lib/")
# Set by Django on every AppConfig (the models registry is Django's own, not the app's state).
_APP_CONFIG_ATTRS = frozenset(("name", "module", "apps", "label", "verbose_name", "path", "models_module", "models"))
_FRAMEWORK = ("django.", "asgiref.", "djleak_probe")  # their functions in the chain are plumbing, not middleware
_CHAIN_LINKS = ("get_response", "func", "awaitable", "application", "app")  # middleware, asgiref adapters, wrappers
_MAX_CHAIN = 500

_in_project: Dict[Tuple[str, str], bool] = {}  # (project, module file) -> inside it: realpath once per file
# project -> (how many modules were loaded, the project's module names then): sys.modules is walked again only
# when a module was added or removed (1,000+ modules: ~1 ms a walk, several walks a gauges call)
_names: Dict[str, Tuple[int, List[str]]] = {}


def _project_names(root: str) -> List[str]:
    loaded = len(sys.modules)
    known = _names.get(root)
    if known is not None and known[0] == loaded:
        return known[1]
    names = []
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
            names.append(name)
    _names[root] = (loaded, names)
    return names


def project_modules(project: Optional[str]) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(module name, globals) of the modules whose file is inside the project (outside virtualenvs)."""
    if not project:
        return
    for name in _project_names(os.path.join(os.path.realpath(project), "")):
        attrs = getattr(sys.modules.get(name), "__dict__", None)
        if type(attrs) is dict:
            yield name, attrs


def is_container(value: Any) -> bool:
    return is_a(value, CONTAINERS) and not is_a(value, type)


def _containers_in(attrs: Any, prefix: str, holder: str) -> Iterator[Tuple[str, str, Any]]:
    for key, value in list(attrs.items()):
        if type(key) is str and not key.startswith("__") and is_container(value):
            yield f"{prefix}.{key}", holder, value


def _defined_in(cls: type) -> Optional[str]:
    try:
        module = _type_module(cls)
    except Exception:
        return None
    return module if type(module) is str else None


def project_classes(project: Optional[str]) -> Iterator[Tuple[str, type]]:
    """(``module.QualName``, class) of the classes the project's modules define (each once)."""
    seen: Set[int] = set()
    for module, attrs in project_modules(project):
        for value in list(attrs.values()):
            if is_a(value, type) and id(value) not in seen and _defined_in(value) == module:
                seen.add(id(value))
                yield type_name(value), value


def _long_lived(value: Any, modules: Set[str]) -> Optional[Dict[str, Any]]:
    """The attributes of a module global worth measuring: an instance of a project class, or a blinker-style
    signal (a ``receivers`` dict; Django's signals keep a list and have a gauge of their own)."""
    if is_a(value, (type, types.ModuleType, types.FunctionType)):
        return None
    attrs = _instance_dict(value)
    if attrs is None:
        return None
    if _defined_in(type(value)) in modules or type(dict.get(attrs, "receivers")) is dict:
        return attrs
    return None


def named_containers(project: Optional[str]) -> Iterator[Tuple[str, str, Any]]:
    """(name, holder, container) for every container the project keeps for the process's life; the same
    container may come under several names (``from a import X`` copies the name into the importing module)."""
    modules = list(project_modules(project))
    names = {m for m, _ in modules}
    for module, attrs in modules:
        yield from _containers_in(attrs, module, MODULE)
        for key, value in list(attrs.items()):
            if type(key) is not str or key.startswith("__"):
                continue
            if is_a(value, type):
                if _defined_in(value) == module:
                    yield from _containers_in(_type_dict(value), type_name(value), CLASS)
                continue
            inner = _long_lived(value, names)
            if inner is not None:
                yield from _containers_in(inner, f"{module}.{key}", INSTANCE)
    for obj in middleware(modules):
        if type(obj) is types.FunctionType:
            yield from _containers_in(_closure(obj), f"{obj.__module__}.{obj.__qualname__}", INSTANCE)
        else:
            attrs = _instance_dict(obj)
            if attrs is not None:
                yield from _containers_in(attrs, type_name(type(obj)), INSTANCE)
    for config in app_configs():
        attrs = _instance_dict(config)
        if attrs is not None:
            own = {k: v for k, v in dict.items(attrs) if k not in _APP_CONFIG_ATTRS}
            yield from _containers_in(own, type_name(type(config)), INSTANCE)


def find(project: Optional[str], name: str) -> List[Any]:
    """Every container ``named_containers`` names ``name`` (several middleware instances may share one)."""
    found: Dict[int, Any] = {}
    for row_name, _, value in named_containers(project):
        if row_name == name:
            found.setdefault(id(value), value)
    return list(found.values())


# ---- the loaded middleware and app configs -----------------------------------------------------------------


def _closure(func: types.FunctionType) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for var, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
        try:
            out[var] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    return out


def _chain_starts(modules: List[Tuple[str, Dict[str, Any]]]) -> List[Any]:
    starts: List[Any] = []
    probe = sys.modules.get("djleak_probe.middleware")
    for instance in list(getattr(probe, "INSTANCES", ())):
        attrs = _instance_dict(instance)
        if attrs is not None and dict.get(attrs, "get_response") is not None:
            starts.append(attrs["get_response"])
    base_module = sys.modules.get("django.core.handlers.base")
    base = getattr(base_module, "BaseHandler", None) if base_module is not None else None
    if base is None:
        return starts
    for _, attrs in modules:
        for value in list(attrs.values()):
            # The handler itself (wsgi.application), or one wrapper around it (WhiteNoise(application)).
            wrapped = None if is_a(value, (type, types.ModuleType)) else _instance_dict(value)
            for candidate in (value, dict.get(wrapped or {}, "application")):
                if is_a(candidate, base):
                    chain = dict.get(_instance_dict(candidate) or {}, "_middleware_chain")
                    if chain is not None:
                        starts.append(chain)
    return starts


def middleware(modules: Optional[List[Tuple[str, Dict[str, Any]]]] = None) -> List[Any]:
    """The loaded middleware: instances, and the functions of function-based middleware (their state is in
    their closure), in chain order. Django's ``convert_exception_to_response`` closures, asgiref's adapters
    and the handler's own methods are followed, not listed; the probe's middleware is left out."""
    found: List[Any] = []
    seen: Set[int] = set()
    todo = list(reversed(_chain_starts(modules or [])))
    while todo and len(seen) < _MAX_CHAIN:
        obj = todo.pop()
        if id(obj) in seen or is_a(obj, (type, types.MethodType)):
            continue
        seen.add(id(obj))
        if type(obj) is types.FunctionType:
            if not str(obj.__module__).startswith(_FRAMEWORK):
                found.append(obj)
            todo.extend(reversed([v for v in _closure(obj).values() if callable(v)]))
            continue
        attrs = _instance_dict(obj)
        if attrs is None:
            continue
        module = _defined_in(type(obj)) or ""
        if not module.startswith(("djleak_probe", "asgiref.", "django.core.handlers.")):
            found.append(obj)
        todo.extend(reversed([dict.get(attrs, k) for k in _CHAIN_LINKS if callable(dict.get(attrs, k))]))
    return found


def app_configs() -> List[Any]:
    registry = sys.modules.get("django.apps.registry")
    apps = getattr(registry, "apps", None) if registry is not None else None
    configs = dict.get(_instance_dict(apps) or {}, "app_configs") if apps is not None else None
    return list(configs.values()) if type(configs) is dict else []
