"""The ``urls`` command: every URL pattern of the running Django project, in declaration order.

Django is never imported here: it is looked up in ``sys.modules`` (the command runs on the probe's reader
thread, and a probe thread must not start imports of its own). The only import that can happen is Django's
lazy import of the ROOT_URLCONF module, which Django itself does on the first request anyway, and with
``examples``, what the ORM imports for its first query (the database backend, as the app's first query would).
"""

from __future__ import annotations

import functools
import json
import re
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


# One step of the include chain: (route string, kind, has_params, the pattern object).
_Step = Tuple[str, str, bool, Any]

# A path() parameter: <name> or <converter:name>.
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def _joined(texts: List[str]) -> str:
    route = texts[-1]
    for text in reversed(texts[:-1]):  # right to left, like the nested resolve() calls
        route = _join_route(text, route)
    return route


def _entry(
    steps: List[_Step], namespaces: List[str], name: Any, callback: Any, fill: Optional["_Filler"] = None
) -> Dict[str, Any]:
    route = _joined([text for text, _, _, _ in steps])
    regex = any(kind == "regex" for _, kind, _, _ in steps)
    has_params = any(p for _, _, p, _ in steps)
    url_name: Optional[str] = None
    if isinstance(name, str) and name:
        url_name = ":".join([*namespaces, name])
    entry: Dict[str, Any] = {
        "route": route,
        "name": url_name,
        "view": _view_path(callback),
        "has_params": has_params,
        "regex": regex,
        "example": None if regex or has_params else "/" + route,
    }
    if fill is not None and has_params:
        example, source, why = fill(steps, callback) if not regex else (None, None, _WHY_REGEX)
        entry.update(example=example, example_from=source, why=why)
    return entry


_WHY_REGEX = "a re_path() pattern: its parameters cannot be filled in; give an example path in a scenario file"


class _Filler:
    """Fills the path parameters of class-based views that look their object up by key (DetailView, UpdateView,
    DeleteView and the like: ``model`` or ``queryset``, with ``pk_url_kwarg`` / ``slug_url_kwarg``) with the key
    of an existing row, read (never written) through the project's models. Anything else says why not."""

    def __init__(self, urls: Any) -> None:
        self.urls = urls
        self.queried = False

    def __call__(self, steps: List[_Step], callback: Any) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        params = [m.group("parameter") for text, _, _, _ in steps for m in _PARAM.finditer(text)]
        listed = ", ".join(f"<{p}>" for p in params)
        view = getattr(callback, "view_class", None)
        if view is None:
            return None, None, (
                f"a function view's parameters ({listed}): djleak cannot know a value that exists; "
                "give an example path in a scenario file"
            )
        model = getattr(view, "model", None)
        queryset = getattr(view, "queryset", None)
        keys = {
            getattr(view, "pk_url_kwarg", "pk"): "pk",
            getattr(view, "slug_url_kwarg", "slug"): getattr(view, "slug_field", "slug"),
        }
        if model is None and queryset is None:
            return None, None, (
                f"{view.__name__} has no model or queryset to take {listed} from: give an example path in a "
                "scenario file"
            )
        unknown = [p for p in params if p not in keys]
        if unknown:
            return None, None, (
                f"{view.__name__} does not look its object up by {', '.join(f'<{p}>' for p in unknown)}: give an "
                "example path in a scenario file"
            )
        try:
            self.queried = True
            rows = queryset.all() if queryset is not None else model._default_manager.all()
            label = rows.model._meta.label
            row = rows.first()
        except Exception as exc:
            return None, None, f"could not read a row for {view.__name__}: {type(exc).__name__}: {exc}"
        if row is None:
            return None, None, f"no {label} row to take {listed} from: add one, or give an example path"
        values = {p: getattr(row, keys[p]) for p in params}
        try:
            texts = [
                _PARAM.sub(lambda m: str(pattern.converters[m.group("parameter")].to_url(values[m.group("parameter")])), text)
                for text, _, _, pattern in steps
            ]
            path = "/" + _joined(texts)
            match = self.urls.resolve(path)
        except Exception as exc:
            return None, None, f"the key of {label} {row.pk!r} does not make a path of this route: {exc}"
        if getattr(match.func, "view_class", None) is not view:
            return None, None, f"{path} (the key of {label} {row.pk!r}) resolves to another view"
        source = ", ".join(f"{p}={values[p]}" for p in params)
        return path, f"{label} {source}", None


def list_urls(fill_examples: bool = False) -> Dict[str, Any]:
    """The ``urls`` result: ``{"patterns": [...], "count": n, "truncated": bool}``. Raises NotSetUp. With
    ``fill_examples``, routes with parameters get an example path where their view says where keys come from
    (``example_from``), else ``why`` not."""
    urls = _django_urls()
    fill = _Filler(urls) if fill_examples else None
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
            step: _Step = (str(pattern), kind, _has_params(pattern, kind), pattern)
            if isinstance(item, resolver_cls):
                if depth >= MAX_DEPTH:
                    continue
                ns = [*namespaces, item.namespace] if item.namespace else namespaces
                walk(item.url_patterns, [*steps, step], ns, depth + 1)
                continue
            entry = _entry(
                [*steps, step], namespaces, getattr(item, "name", None), getattr(item, "callback", None), fill
            )
            count += 1
            cost = len(json.dumps(entry)) + 2
            if len(patterns) == count - 1 and size + cost <= MAX_RESULT_CHARS:  # nothing left out so far
                patterns.append(entry)
                size += cost

    # The root resolver's own pattern (r"^/") is not part of any route, as in resolver_match.route.
    try:
        walk(resolver.url_patterns, [], [], 0)
    finally:
        if fill is not None and fill.queried:  # the probe's thread leaves no connection open (see login)
            sys.modules["django.db"].connections.close_all()
    return {"patterns": patterns, "count": count, "truncated": len(patterns) < count}
