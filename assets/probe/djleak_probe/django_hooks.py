"""Hooking Django without editing the project: wrap ``django.setup`` as soon as ``django`` is imported.

The wrapped setup calls the original, then prepends the probe middleware to ``settings.MIDDLEWARE`` (a new
list, never twice) and sends the ``django`` message. Failures of the probe's part are reported and swallowed;
failures of Django's own setup propagate unchanged.
"""

from __future__ import annotations

import functools
import importlib.abc
import os
import sys
import threading
from types import ModuleType
from typing import Any, Callable, List, Optional, Sequence

from . import diag, runtime

MIDDLEWARE_PATH = "djleak_probe.middleware.ProbeMiddleware"
_WRAPPED_MARK = "__djleak_original__"


def _probe_child_arguments(original: Callable[[], List[str]]) -> Callable[[], List[str]]:
    """Wrap Django's autoreloader so the process it (re)starts runs under the probe as well."""

    @functools.wraps(original)
    def get_child_arguments() -> List[str]:
        args = list(original())
        try:
            if len(args) < 2 or "djleak_probe" in args:
                return args
            i = 1
            while i < len(args) and (args[i].startswith("-W") or args[i].startswith("-X")):
                i += 1
            return [*args[:i], "-m", "djleak_probe", "run", "--", *args[i:]]
        except Exception:
            return list(original())

    setattr(get_child_arguments, _WRAPPED_MARK, original)
    return get_child_arguments


def _hook_autoreload() -> None:
    """``runserver`` without ``--noreload`` serves from a child process started by the reloader."""
    try:
        autoreload = sys.modules.get("django.utils.autoreload")
        original = getattr(autoreload, "get_child_arguments", None)
        if original is None or getattr(original, _WRAPPED_MARK, None) is not None:
            return
        autoreload.get_child_arguments = _probe_child_arguments(original)  # type: ignore[union-attr]
    except Exception as exc:
        diag.report("autoreload", "could not hook the Django autoreloader", exc=exc)


def _after_setup() -> None:
    _hook_autoreload()
    try:
        import django
        from django.conf import settings

        current = getattr(settings, "MIDDLEWARE", None)
        installed = False
        if current is None:
            diag.report("middleware-none", "settings.MIDDLEWARE is None; request tracking is off", level="warning")
        else:
            middleware = list(current)
            if MIDDLEWARE_PATH not in middleware:
                settings.MIDDLEWARE = [MIDDLEWARE_PATH, *middleware]
            installed = True
        runtime.note_django(
            {
                "type": "django",
                "version": django.get_version(),
                "settings": os.environ.get("DJANGO_SETTINGS_MODULE"),
                "middleware": installed,
            }
        )
    except Exception as exc:
        diag.report("django-setup", "could not install the probe middleware", exc=exc)


def wrap_setup(django_module: ModuleType) -> bool:
    """Replace ``django.setup`` by a wrapper (idempotent). Returns True when it is (now) wrapped."""
    try:
        original = getattr(django_module, "setup", None)
        if original is None:
            return False
        if getattr(original, _WRAPPED_MARK, None) is not None:
            return True

        @functools.wraps(original)
        def setup(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            _after_setup()
            return result

        setattr(setup, _WRAPPED_MARK, original)
        django_module.setup = setup  # type: ignore[attr-defined]
        return True
    except Exception as exc:
        diag.report("wrap-setup", "could not wrap django.setup", exc=exc)
        return False


def _django_imported(module: ModuleType) -> None:
    wrap_setup(module)
    _remove_finder()


class _Loader(importlib.abc.Loader):
    """Delegates to the real loader and wraps ``setup`` once ``django/__init__.py`` has run."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Optional[ModuleType]:
        module: Optional[ModuleType] = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Nothing but this import ever sees the wrapper loader.
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = self._loader
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self._loader
        self._loader.exec_module(module)
        _django_imported(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class DjangoFinder(importlib.abc.MetaPathFinder):
    """A ``sys.meta_path`` entry that only reacts to the top-level ``django`` package."""

    def __init__(self) -> None:
        self._busy = threading.local()

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: Any = None) -> Any:
        if fullname != "django" or getattr(self._busy, "on", False):
            return None
        self._busy.on = True
        try:
            spec = None
            for finder in list(sys.meta_path):
                if finder is self:
                    continue
                find: Optional[Callable[..., Any]] = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return None  # let the normal machinery do (and report) whatever it does
            spec.loader = _Loader(spec.loader)
            return spec
        except Exception as exc:
            diag.report("finder", "could not hook the django import", exc=exc)
            return None
        finally:
            self._busy.on = False


def _remove_finder() -> None:
    try:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, DjangoFinder)]
    except Exception:
        pass


def install() -> None:
    """Arrange for ``django.setup`` to be wrapped (now if Django is already imported). Never raises."""
    try:
        module = sys.modules.get("django")
        if module is not None:
            wrap_setup(module)
            apps = getattr(sys.modules.get("django.apps"), "apps", None)
            if apps is not None and getattr(apps, "ready", False):
                _after_setup()  # set up before the probe started
            return
        if not any(isinstance(f, DjangoFinder) for f in sys.meta_path):
            sys.meta_path.insert(0, DjangoFinder())
    except Exception as exc:
        diag.report("install", "could not install the Django hooks", exc=exc)
