"""The ``urls`` command: every URL pattern of the running Django project, in declaration order.

Django is never imported here: it is looked up in ``sys.modules`` (the command runs on the probe's reader
thread, and a probe thread must not start imports of its own). The only import that can happen is Django's
lazy import of the ROOT_URLCONF module, which Django itself does on the first request anyway.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Any, Dict, List, Optional, Tuple

NOT_SET_UP = "django is not set up in this process"
MAX_DEPTH = 64  # include() nesting; deeper is treated as a cycle and not followed
MAX_RESULT_CHARS = 900_000  # the reply must fit one NDJSON line (1 MiB); the rest is counted, not listed


class NotSetUp(Exception):
    """Django is not imported, or its app registry is not ready."""


def _django_urls() -> Any:
    django_apps = sys.modules.get("django.apps")
    apps = getattr(django_apps, "apps", None)
    if apps is None or not getattr(apps, "ready", False):
        raise NotSetUp(NOT_SET_UP)
    urls = sys.modules.get("django.urls")
    if urls is None or not hasattr(urls, "get_resolver"):
        raise NotSetUp(NOT_SET_UP)
    return urls


def _join_route(route1: str, route2: str) -> str:
    """Exactly ``URLResolver._join_route``: what ``request.resolver_match.route`` shows."""
    if not route1:
        return route2
    return route1 + (route2[1:] if route2.startswith("^") else route2)


def _kind(pattern: Any, urls: Any) -> str:
    """``route`` (path()), ``locale`` (i18n_patterns prefix) or ``regex`` (re_path() and anything else)."""
    if isinstance(pattern, urls.resolvers.RoutePattern):
        return "route"
    if isinstance(pattern, urls.resolvers.LocalePrefixPattern):
        return "locale"
    return "regex"


def _has_params(pattern: Any, kind: str) -> bool:
    if kind == "locale":
        return False
    if getattr(pattern, "converters", None):
        return True
    if kind == "route":
        return False
    try:
        return int(pattern.regex.groups) > 0
    except Exception:
        return True  # cannot tell: do not offer it as parameter-free


def _view_path(callback: Any) -> Optional[str]:
    """``module.qualname`` of the view; the class for class-based views (``as_view()`` sets ``view_class``)."""
    try:
        func = callback
        while isinstance(func, functools.partial):
            func = func.func
        func = getattr(func, "view_class", func)
        qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
        module = getattr(func, "__module__", None)
        if not isinstance(qualname, str):  # a callable instance: its class
            cls = type(func)
            qualname, module = cls.__qualname__, cls.__module__
        return f"{module}.{qualname}" if module else qualname
    except Exception:
        return None


# One step of the include chain: (route string, kind, has_params).
_Step = Tuple[str, str, bool]


def _entry(steps: List[_Step], namespaces: List[str], name: Any, callback: Any) -> Dict[str, Any]:
    route = steps[-1][0]
    for text, _, _ in reversed(steps[:-1]):  # right to left, like the nested resolve() calls
        route = _join_route(text, route)
    regex = any(kind == "regex" for _, kind, _ in steps)
    has_params = any(p for _, _, p in steps)
    url_name: Optional[str] = None
    if isinstance(name, str) and name:
        url_name = ":".join([*namespaces, name])
    return {
        "route": route,
        "name": url_name,
        "view": _view_path(callback),
        "has_params": has_params,
        "regex": regex,
        "example": None if regex or has_params else "/" + route,
    }


def list_urls() -> Dict[str, Any]:
    """The ``urls`` result: ``{"patterns": [...], "count": n, "truncated": bool}``. Raises NotSetUp."""
    urls = _django_urls()
    resolver = urls.get_resolver()
    resolver_cls = urls.resolvers.URLResolver
    patterns: List[Dict[str, Any]] = []
    size = 0
    count = 0

    def walk(items: Any, steps: List[_Step], namespaces: List[str], depth: int) -> None:
        nonlocal size, count
        for item in items:
            pattern = item.pattern
            kind = _kind(pattern, urls)
            step: _Step = (str(pattern), kind, _has_params(pattern, kind))
            if isinstance(item, resolver_cls):
                if depth >= MAX_DEPTH:
                    continue
                ns = [*namespaces, item.namespace] if item.namespace else namespaces
                walk(item.url_patterns, [*steps, step], ns, depth + 1)
                continue
            entry = _entry([*steps, step], namespaces, getattr(item, "name", None), getattr(item, "callback", None))
            count += 1
            cost = len(json.dumps(entry)) + 2
            if len(patterns) == count - 1 and size + cost <= MAX_RESULT_CHARS:  # nothing left out so far
                patterns.append(entry)
                size += cost

    # The root resolver's own pattern (r"^/") is not part of any route, as in resolver_match.route.
    walk(resolver.url_patterns, [], [], 0)
    return {"patterns": patterns, "count": count, "truncated": len(patterns) < count}
