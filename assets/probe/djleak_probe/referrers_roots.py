"""The ``referrers`` command's root index (the command, and the rules all its parts keep, are in referrers.py).

What counts as a root (a module global, a class attribute, a Django signal's receivers, an ``lru_cache``, a
thread, a running frame's local, ``gc.garbage``): maps from object ids to the roots they are, made once per
command; the probe's own containers, frames and threads, which are never referrers; and the reading of objects
without running their code that the search and the labels share.
"""

from __future__ import annotations

import functools
import gc
import sys
import threading
import types
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .census import TypeNames, _type_module as census_type_module

MAX_KEY_CHARS = 40  # dict keys shown in labels up to this long

# Root kinds, best first: when several roots are as near, the first in this list names the chain.
KINDS = ("module global", "class attribute", "signal receivers", "lru_cache", "thread", "frame local", "gc.garbage")

_LRU_WRAPPER: Optional[type] = getattr(functools, "_lru_cache_wrapper", None)
_type_dict = vars(type)["__dict__"].__get__  # cls -> mappingproxy of its real __dict__
_FrameType = types.FrameType
_ModuleType = types.ModuleType
_GetSetDescriptor = types.GetSetDescriptorType
_MemberDescriptor = types.MemberDescriptorType
_PROBE_PACKAGE = __name__.rpartition(".")[0]  # "djleak_probe"


def _probe_file(filename: str) -> bool:
    return f"{_PROBE_PACKAGE}/" in filename.replace("\\", "/")


# ---- reading objects without running their code -------------------------------------------------------------


def _lookup(cls: type, name: str) -> Any:
    for base in cls.__mro__:
        found = _type_dict(base).get(name, _MISSING)
        if found is not _MISSING:
            return found
    return _MISSING


_MISSING = object()


def _instance_dict(obj: Any) -> Optional[Dict[str, Any]]:
    """``obj.__dict__`` when it is the standard slot or member (never a property of the app's)."""
    if issubclass(type(obj), type):
        return None
    descriptor = _lookup(type(obj), "__dict__")
    if type(descriptor) is not _GetSetDescriptor and type(descriptor) is not _MemberDescriptor:
        return None
    try:
        value = descriptor.__get__(obj, type(obj))
    except Exception:
        return None
    return value if type(value) is dict else None


def _key_text(key: Any) -> str:
    if type(key) is str and len(key) <= MAX_KEY_CHARS:
        return repr(key)
    if type(key) is int and -10**12 < key < 10**12:
        return str(key)
    return "…"


def _func_name(func: Any) -> str:
    """``module.qualname`` of a function, or of an lru_cache wrapper (update_wrapper copied them)."""
    if type(func) is types.FunctionType:
        module, qualname = func.__module__, func.__qualname__
    else:
        module, qualname = _instance_attr(func, "__module__"), _instance_attr(func, "__qualname__")
    if type(qualname) is str:
        return f"{module}.{qualname}" if type(module) is str else qualname
    return "?"


def _instance_attr(obj: Any, name: str) -> Any:
    attrs = _instance_dict(obj)
    return dict.get(attrs, name) if attrs is not None else None


def _frame_name(frame: Any) -> str:
    code = frame.f_code
    qualname = getattr(code, "co_qualname", code.co_name)
    module = frame.f_globals.get("__name__") if type(frame.f_globals) is dict else None
    return f"{module}.{qualname}" if type(module) is str else qualname


# ---- bookkeeping: every container this command makes that holds app objects ---------------------------------


class _Book:
    """The probe's own containers (ignored as referrers), kept alive so their ids stay theirs."""

    def __init__(self, own: Iterable[Any]) -> None:
        self.keep: List[Any] = []
        self.ids: Set[int] = {id(self.keep)}
        self.own: List[Any] = self.hold(list(own))  # the command's message and args
        for obj in self.own:
            self.hold(obj)

    def hold(self, container: Any) -> Any:
        self.keep.append(container)
        self.ids.add(id(container))
        return container


# ---- what counts as a root ---------------------------------------------------------------------------------


class _Roots:
    """Maps, made once per command, from object ids to the roots they are."""

    def __init__(self, book: _Book, types_seen: List[type], signals: List[Any], names: TypeNames) -> None:
        self.book = book
        self.names = names
        self.module_dicts: Dict[int, str] = {}
        self.class_dicts: Dict[int, type] = book.hold({})
        self.signal_lists: Dict[int, Any] = book.hold({})
        self.signal_names: Dict[int, str] = {}
        self.frame_dicts: Dict[int, Tuple[str, str]] = {}  # id(locals dict) -> (function, thread)
        self.frame_values: Dict[int, Tuple[str, str, str]] = {}  # id(value) -> (function, var, thread)
        self.running_frames: Dict[int, Tuple[str, str]] = {}  # id(frame) -> (function, thread)
        self.skip: Set[int] = set()  # probe modules' globals, the probe's frames
        # id(object) -> the untracked dict/tuple holding it, which gc.get_referrers cannot see
        self.hidden: Dict[int, Any] = {}
        for name, module in list(sys.modules.items()):
            if not isinstance(name, str) or not issubclass(type(module), _ModuleType):
                continue
            attrs = _instance_dict(module)
            if attrs is None:
                continue
            if name == _PROBE_PACKAGE or name.startswith(_PROBE_PACKAGE + "."):
                self.skip.add(id(attrs))
            else:
                self.module_dicts.setdefault(id(attrs), name)
        for cls in types_seen:
            try:
                real = gc.get_referents(_type_dict(cls))
            except Exception:
                continue
            if real and type(real[0]) is dict:
                self.class_dicts[id(real[0])] = cls
        for signal in signals:
            attrs = _instance_dict(signal)
            if attrs is None:
                continue
            for key in ("receivers", "sender_receivers_cache"):
                value = dict.get(attrs, key)
                if type(value) in (list, dict):
                    self.signal_lists[id(value)] = signal
        self._read_frames()

    def _read_frames(self) -> None:
        me = threading.get_ident()
        thread_names = {t.ident: t.name for t in threading.enumerate()}
        holder: List[Any] = self.book.hold([])
        frame: Optional[types.FrameType]
        for ident, frame in sys._current_frames().items():
            tname = thread_names.get(ident, f"thread {ident}")
            probe_thread = ident == me or tname.startswith("djleak-")
            while frame is not None:
                if probe_thread or _probe_file(frame.f_code.co_filename):
                    self.skip.add(id(frame))
                    holder.append(frame)  # kept alive: its id stays its own while the command runs
                    frame = frame.f_back
                    continue
                func = _frame_name(frame)
                self.running_frames[id(frame)] = (func, tname)
                holder.append(frame)
                try:
                    local_vars = frame.f_locals
                except Exception:
                    local_vars = {}
                if local_vars is frame.f_globals:  # module-level code: its "locals" are module globals
                    frame = frame.f_back
                    continue
                holder.append(local_vars)
                if type(local_vars) is dict:
                    self.frame_dicts[id(local_vars)] = (func, tname)  # a root when met as a referrer
                    items: Iterable[Tuple[Any, Any]] = dict.items(local_vars)
                else:
                    try:
                        items = list(local_vars.items())
                    except Exception:
                        items = []
                for var, value in items:
                    if type(var) is str and id(value) not in self.frame_values:
                        self.frame_values[id(value)] = (func, var, tname)
                        holder.append(value)
                frame = frame.f_back
        del frame

    def ignored(self, obj: Any) -> bool:
        oid = id(obj)
        return oid in self.book.ids or oid in self.skip

    def signal_name(self, signal: Any) -> str:
        """The signal's module-level name: in a ``*signals`` module if any, else the shortest."""
        cached = self.signal_names.get(id(signal))
        if cached is not None:
            return cached
        found: List[str] = []
        for name, module in list(sys.modules.items()):
            if not isinstance(name, str) or not issubclass(type(module), _ModuleType):
                continue
            attrs = _instance_dict(module)
            if attrs is None:
                continue
            for key, value in dict.items(attrs):
                if value is signal and type(key) is str:
                    found.append(f"{name}.{key}")
        found.sort(key=lambda n: (not n.rpartition(".")[0].endswith("signals"), len(n), n))
        name = found[0] if found else self.names(type(signal))
        self.signal_names[id(signal)] = name
        return name

    def node_root(self, node: Any) -> Optional[Tuple[str, str, Optional[str]]]:
        """(kind, name, thread) when ``node`` is itself a root (the chain starts at it)."""
        nid = id(node)
        signal = self.signal_lists.get(nid)
        if signal is not None:
            return ("signal receivers", self.signal_name(signal), None)
        cls = type(node)
        if _LRU_WRAPPER is not None and issubclass(cls, _LRU_WRAPPER):
            return ("lru_cache", _func_name(node), None)
        if issubclass(cls, threading.Thread):
            name = _instance_attr(node, "_name")
            return ("thread", name if type(name) is str else "?", None)
        local = self.frame_values.get(nid)
        if local is not None:
            return ("frame local", f"{local[0]}:{local[1]}", local[2])
        if node is gc.garbage:
            return ("gc.garbage", "gc.garbage", None)
        return None

    def holder_root(self, holder: Any, child: Any) -> Optional[Tuple[str, str, Optional[str]]]:
        """(kind, name, thread) when ``holder`` (a referrer of ``child``) is a root holding ``child``."""
        hid = id(holder)
        module = self.module_dicts.get(hid)
        if module is None and type(holder) is dict and dict.__contains__(holder, "__builtins__"):
            name = dict.get(holder, "__name__")  # a module namespace not in sys.modules (runpy, exec)
            module = name if type(name) is str else None
        if module is not None:
            return ("module global", f"{module}.{_key_of(holder, child)}", None)
        cls = self.class_dicts.get(hid)
        if cls is not None:
            return ("class attribute", f"{self.names(cls)}.{_key_of(holder, child)}", None)
        frame = self.frame_dicts.get(hid)
        if frame is not None:
            return ("frame local", f"{frame[0]}:{_key_of(holder, child)}", frame[1])
        if type(holder) is _FrameType:
            running = self.running_frames.get(hid)
            if running is not None:
                var = "?"
                try:
                    for key, value in holder.f_locals.items():
                        if value is child:
                            var = key
                            break
                except Exception:
                    pass
                return ("frame local", f"{running[0]}:{var}", running[1])
        return None


def _home_score(name: str, obj: Any) -> Tuple[int, int, str]:
    """Order of preference among module globals holding the same object (``from x import y`` copies it into
    every importing module): the module that defines it (functions, classes), a module its class lives
    under (``django.db.connections``, a ``django.db.utils.ConnectionHandler``), then the shortest name."""
    module = name.rpartition(".")[0]
    home: Any = None
    if type(obj) is types.FunctionType:
        home = obj.__module__
    elif issubclass(type(obj), type):
        try:
            home = census_type_module(obj)
        except Exception:
            home = None
    if type(home) is str and home == module:
        return (0, len(name), name)
    try:
        cls_module = census_type_module(type(obj))
    except Exception:
        cls_module = None
    if type(cls_module) is str and (cls_module == module or cls_module.startswith(module + ".")):
        return (1, len(name), name)
    return (2, len(name), name)


def _key_of(mapping: Dict[Any, Any], child: Any) -> str:
    for key, value in dict.items(mapping):
        if value is child:
            return key if type(key) is str else _key_text(key)
    return "?"
