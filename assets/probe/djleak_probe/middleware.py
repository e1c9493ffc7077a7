"""``ProbeMiddleware``: one ``requests`` item per request, sync and async (ASGI) alike.

Prepended to ``settings.MIDDLEWARE`` by ``django_hooks``; never imports Django at module level. Exceptions
from the rest of the chain propagate unchanged (recorded as status 500 first).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any, Callable, Optional, Tuple

from . import diag, runtime
from .gauges import ROUTE_COUNTS, SERVED
from .link import Link
from .sampler import current_rss

MAX_PATH = 2048
# The engine's own requests (readiness checks, warm-up) carry this header and are not recorded.
INTERNAL_META_KEY = "HTTP_X_DJLEAK_INTERNAL"
# The loaded instances, first in their handler's chain: where the gauges find the app's middleware.
INSTANCES: "weakref.WeakSet[ProbeMiddleware]" = weakref.WeakSet()


def _skip(request: Any) -> bool:
    try:
        return INTERNAL_META_KEY in request.META
    except Exception:
        return False


def _coroutine_tools() -> Tuple[Callable[[Any], bool], Callable[[Any], Any]]:
    try:
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction  # asgiref >= 3.6

        return iscoroutinefunction, markcoroutinefunction
    except ImportError:
        pass
    import asyncio
    import inspect

    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is None:

        def mark(func: Any) -> Any:
            func._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
            return func

    return asyncio.iscoroutinefunction, mark


def _record(link: Link, request: Any, response: Any, t0: float, p0: float, rss0: Optional[int]) -> None:
    try:
        duration_ms = (time.perf_counter() - p0) * 1000.0
        match = getattr(request, "resolver_match", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and len(path) > MAX_PATH:
            path = path[:MAX_PATH]
        key = f"{getattr(request, 'method', None)} {getattr(match, 'route', None) if match is not None else None}"
        ROUTE_COUNTS[key] = ROUTE_COUNTS.get(key, 0) + 1
        link.batch(
            "requests",
            {
                "t": t0,
                "method": getattr(request, "method", None),
                "route": getattr(match, "route", None) if match is not None else None,
                "view": getattr(match, "_func_path", None) if match is not None else None,
                "path": path,
                "status": 500 if response is None else getattr(response, "status_code", None),
                "duration_ms": round(duration_ms, 3),
                "rss_before": rss0,
                "rss_after": current_rss(),
            },
        )
    except Exception as exc:
        diag.report("middleware", "could not record a request", exc=exc)


class ProbeMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        INSTANCES.add(self)
        self.async_mode = False
        try:
            is_coroutine, mark = _coroutine_tools()
            if is_coroutine(get_response):
                self.async_mode = True
                mark(self)
        except Exception as exc:
            diag.report("middleware-init", "could not detect the middleware mode", exc=exc)

    def __call__(self, request: Any) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        SERVED.add(threading.get_ident())
        link = runtime.current_link()
        if link is None or _skip(request):
            return self.get_response(request)
        t0, p0, rss0 = time.time(), time.perf_counter(), current_rss()
        response = None
        try:
            response = self.get_response(request)
            return response
        finally:
            _record(link, request, response, t0, p0, rss0)

    async def __acall__(self, request: Any) -> Any:
        link = runtime.current_link()
        if link is None or _skip(request):
            return await self.get_response(request)
        t0, p0, rss0 = time.time(), time.perf_counter(), current_rss()
        response = None
        try:
            response = await self.get_response(request)
            return response
        finally:
            _record(link, request, response, t0, p0, rss0)
