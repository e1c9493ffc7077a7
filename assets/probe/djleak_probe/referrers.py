"""The ``referrers`` command: who holds the instances of a type (back-reference chains, as Dowser/objgraph).

For a few sample instances, a breadth-first search climbs ``gc.get_referrers`` (one call per level for the
whole frontier: one pass over the tracked objects) to the nearest *root*: a module global, a class attribute,
a running frame's local, a Django signal's receivers, an ``lru_cache``, a thread, ``gc.garbage``. Only the
objects the collector tracks are seen as referrers; running frames are not (CPython 3.11+), so their locals
are read from ``sys._current_frames()``. The probe's own containers, frames and threads are never referrers.

Nothing here runs app code on purpose: attributes are read through ``object``/``type`` descriptors, dicts and
lists through their base-class methods, types are tested with ``type()``/``issubclass`` (never ``isinstance``,
which may read a proxy's ``__class__``). One side effect: naming an attribute (a label) reads the instance's
``__dict__``, which CPython 3.11+ creates then for an instance that kept its attributes inline (a few objects
per chain, ~100 bytes each).
"""

from __future__ import annotations

import functools
import gc
import sys
import threading
import time
import tracemalloc
import types
from itertools import compress, filterfalse, repeat
from operator import is_
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from . import world
from .census import TypeNames, _sizeof, _type_module as census_type_module, _type_qualname

DEFAULT_SAMPLES = 3
MAX_SAMPLES = 20
DEFAULT_MAX_DEPTH = 10
MAX_DEPTH = 50
DEFAULT_BUDGET_MS = 2000
LOOKUP_PAUSE_S = 5.0
MAX_BUDGET_MS = 60_000
MAX_WIDTH = 200  # objects per BFS level (the rest of a level is left out, and the chain may be partial)
MAX_KEY_CHARS = 40  # dict keys shown in labels up to this long
PICKS = ("newest", "spread", "largest")

# Root kinds, best first: when several roots are as near, the first in this list names the chain.
KINDS = ("module global", "class attribute", "signal receivers", "lru_cache", "thread", "frame local", "gc.garbage")

_LRU_WRAPPER: Optional[type] = getattr(functools, "_lru_cache_wrapper", None)
_type_dict = vars(type)["__dict__"].__get__  # cls -> mappingproxy of its real __dict__
_FrameType = types.FrameType
_ModuleType = types.ModuleType
_GetSetDescriptor = types.GetSetDescriptorType
_MemberDescriptor = types.MemberDescriptorType
_PROBE_PACKAGE = __name__.rpartition(".")[0]  # "djleak_probe"


class ReferrersError(Exception):
    """Unusable arguments (turned into an ``ok:false`` reply)."""


def _int_arg(args: Dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ReferrersError(f"{name} must be an integer from {low} to {high}")
    return value


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


def _attribute_of(owner: Any, child: Any) -> Optional[str]:
    """The name of an attribute of ``owner`` (instance dict or slot) whose value is ``child``."""
    attrs = _instance_dict(owner)
    if attrs is not None:
        for key, value in dict.items(attrs):
            if value is child and type(key) is str:
                return key
    for base in type(owner).__mro__:
        for key, value in _type_dict(base).items():
            if type(value) is _MemberDescriptor:
                try:
                    if value.__get__(owner, type(owner)) is child:
                        return key
                except Exception:
                    continue
    return None


def _key_text(key: Any) -> str:
    if type(key) is str and len(key) <= MAX_KEY_CHARS:
        return repr(key)
    if type(key) is int and -10**12 < key < 10**12:
        return str(key)
    return "…"


def size_text(nbytes: int) -> str:
    """A byte count as people read it: 512 B, 14 KB, 6.7 MB."""
    if nbytes >= 1 << 20:
        return f"{nbytes / (1 << 20):.1f} MB"
    if nbytes >= 1024:
        return f"{round(nbytes / 1024)} KB"
    return f"{nbytes} B"


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


def _child_in(holder: Any, frontier: Dict[int, Any], nodes: List[Any]) -> Any:
    """Which of the frontier's objects ``holder`` refers to. Small frontiers are compared by identity: no
    id() per referent (each one an allocation, slow while tracemalloc traces)."""
    try:
        refs = gc.get_referents(holder)
    except Exception:
        return None
    if len(nodes) <= 8:
        for ref in refs:
            for node in nodes:
                if ref is node:
                    return ref
        return None
    for ref in refs:
        if id(ref) in frontier:
            return ref
    return None


# ---- the search --------------------------------------------------------------------------------------------


class _Found:
    def __init__(self) -> None:
        self.kind = "unknown"
        self.name = ""
        self.thread: Optional[str] = None
        self.path: List[Any] = []  # from the chain's first step down to the sample
        self.depth = 0
        self.partial = False
        self.exhausted = False
        self.signal: Any = None  # for "signal receivers": the Signal whose list path[0] is


def _search(sample: Any, roots: _Roots, max_depth: int, deadline: float) -> _Found:
    book = roots.book
    nodes: Dict[int, Any] = book.hold({id(sample): sample})
    below: Dict[int, int] = {id(sample): 0}  # id(node) -> id of the node it holds, one step down the chain
    frontier: List[Any] = book.hold([sample])
    found = _Found()
    depth = 0
    top = id(sample)
    cut = False

    def path_from(start: Any) -> List[Any]:
        path = [start]
        nid = below.get(id(start), 0)
        while nid:
            path.append(nodes[nid])
            nid = below.get(nid, 0)
        return path

    while frontier:
        if time.perf_counter() >= deadline:
            cut = True
            break
        # One level at a time while the other threads wait (see world): the app and the sampler run between
        # levels, and what is carried from one level to the next holds no tuple being built.
        with world.others_paused():
            best: Optional[Tuple[int, Tuple[str, str, Optional[str]], Any, int]] = None
            for node in frontier:
                root = roots.node_root(node)
                if root is not None:
                    rank = KINDS.index(root[0])
                    if best is None or rank < best[0]:
                        best = (rank, root, node, depth)
            if best is None and depth >= max_depth:
                cut = True
                break
            if best is None or best[1][0] == "frame local":
                # Climb one level. With a node that is only some thread's local, look for a better root as
                # near (a module global holding the same object names it better); the other node roots
                # (signal receivers, lru_cache, thread, gc.garbage) are more telling than whatever holds them.
                level: Dict[int, Any] = book.hold({id(n): n for n in frontier})
                referrers = book.hold(gc.get_referrers(*frontier))
                if roots.hidden:
                    for node in frontier:
                        holder = roots.hidden.get(id(node))
                        if holder is not None:
                            referrers.append(holder)
                following: List[Any] = book.hold([])
                child_of: Dict[int, int] = {}  # id(holder) -> id of the node it holds
                found_node_root = best is not None
                for i, holder in enumerate(referrers):
                    if i % 64 == 63 and time.perf_counter() >= deadline:
                        cut = True
                        break
                    hid = id(holder)
                    if hid in nodes or hid in child_of or roots.ignored(holder):
                        continue
                    child = _child_in(holder, level, frontier)
                    if child is None:
                        continue
                    root = roots.holder_root(holder, child)
                    if root is not None:
                        rank = KINDS.index(root[0])
                        if best is None or rank < best[0] or (
                            rank == best[0] == 0 and _home_score(root[1], child) < _home_score(best[1][1], best[2])
                        ):
                            best = (rank, root, child, depth)
                        continue
                    if found_node_root:
                        continue
                    if len(following) >= MAX_WIDTH:
                        cut = True
                        continue
                    child_of[hid] = id(child)
                    following.append(holder)
                referrers.clear()
                level.clear()
                holder = child = None
                world.settle(following, book.keep)
                for holder in following:
                    nodes[id(holder)] = holder
                    below[id(holder)] = child_of[id(holder)]
                holder = None
                if best is None and cut:
                    break
                if best is None:
                    frontier = following
                    depth += 1
                    if frontier:
                        top = id(frontier[0])
                    continue
            assert best is not None
            _, (found.kind, found.name, found.thread), start, found.depth = best
            found.path = path_from(start)
            found.depth = len(found.path) - 1
            if found.kind == "signal receivers":
                found.signal = roots.signal_lists.get(id(start))
            return found
    found.partial = cut
    found.exhausted = not cut
    found.path = path_from(nodes[top])
    found.depth = len(found.path) - 1
    return found


# ---- labels ------------------------------------------------------------------------------------------------


def _short(cls: type) -> str:
    try:
        name = _type_qualname(cls)
    except Exception:
        return "?"
    return name if type(name) is str else "?"


def _describe(obj: Any, names: TypeNames, leaf: bool) -> str:
    cls = type(obj)
    if cls is types.FunctionType or (_LRU_WRAPPER is not None and issubclass(cls, _LRU_WRAPPER)):
        text = f"function {_func_name(obj)}"
    elif cls is types.MethodType:
        func = obj.__func__
        func_name = func.__name__ if type(func) is types.FunctionType else _short(type(func))
        text = f"bound method {_short(type(obj.__self__))}.{func_name}"
    elif cls is _ModuleType:
        text = f"module {_instance_attr(obj, '__name__')}"
    elif cls is _FrameType:
        text = f"frame of {_frame_name(obj)}"
    elif cls is types.GeneratorType or cls is types.CoroutineType:
        text = f"{cls.__name__} {getattr(obj, '__qualname__', '?')}"
    else:
        text = _short(cls)
    if leaf:
        try:
            size = sys.getsizeof(obj)
        except Exception:
            size = 0
        if size >= 1024:
            text = f"{text} ({size_text(size)})"
    return text


def _access(parent: Any, child: Any, owner: Any) -> Optional[str]:
    """How ``child`` is reached from ``parent`` (``owner``: the object whose ``__dict__`` ``parent`` is)."""
    if owner is not None:
        for key, value in dict.items(parent):
            if value is child:
                return f"{_short(type(owner))}.{key}" if type(key) is str else None
        return None
    cls = type(parent)
    if issubclass(cls, dict):
        for key, value in dict.items(parent):
            if value is child:
                return f"{_short(type(parent))}[{_key_text(key)}]"
            if key is child:
                return f"{_short(type(parent))} key"
        return None
    if issubclass(cls, (list, tuple)):
        base: Any = list if issubclass(cls, list) else tuple
        for i in range(base.__len__(parent)):
            if base.__getitem__(parent, i) is child:
                return f"{_short(cls)}[{i}]"
        return None
    if issubclass(cls, (set, frozenset)):
        return f"{_short(cls)} item"
    if _LRU_WRAPPER is not None and issubclass(cls, _LRU_WRAPPER):
        return "cache dict" if type(child) is dict else None
    if issubclass(cls, type) or cls in (types.CellType, types.MethodType, types.FunctionType, _FrameType):
        return None
    attr = _attribute_of(parent, child)
    return f"{_short(type(parent))}.{attr}" if attr is not None else None


def _steps(found: _Found, names: TypeNames) -> List[Dict[str, str]]:
    path = found.path
    steps: List[Dict[str, str]] = []
    last = len(path) - 1
    i = 0
    while i <= last:
        obj = path[i]
        tname = names(type(obj))
        owner = None
        if 0 < i < last and type(obj) is dict and _instance_dict(path[i - 1]) is obj:
            # The dict is the __dict__ of the step above: one step "Owner.attr" instead of two.
            i += 1
            owner, obj = path[i - 2], path[i]
            tname = names(type(obj))
            parent = path[i - 1]
        else:
            parent = path[i - 1] if i > 0 else None
        if i == 0:
            if found.kind == "unknown":
                label = _describe(obj, names, leaf=False)
            elif found.kind == "thread":
                label = f"thread {found.name!r} ({_short(type(obj))})"
            elif found.kind == "lru_cache":
                label = f"{found.name} (lru_cache)"
            else:
                label = f"{found.name} ({_short(type(obj))})"
        elif type(obj) is types.CellType:
            label = "closure"
            if (
                i >= 2 and type(parent) is tuple and type(path[i - 2]) is types.FunctionType
                and path[i - 2].__closure__ is parent
            ):
                steps.pop()  # the __closure__ tuple
                label = f"closure of {_func_name(path[i - 2])}"
        elif i == last:
            label = _describe(obj, names, leaf=True)
        else:
            label = _access(parent, obj, owner) or _describe(obj, names, leaf=False)
        steps.append({"type": tname, "label": label})
        i += 1
    if found.signal is not None and steps:
        signal = found.signal
        steps[0]["label"] = f"{_short(type(signal))}.{_attribute_of(signal, path[0]) or 'receivers'}"
        steps.insert(0, {"type": names(type(signal)), "label": f"{found.name} ({_short(type(signal))})"})
    return steps


# ---- the command -------------------------------------------------------------------------------------------


def _site_matcher(site: Any) -> Optional[Callable[[Any], bool]]:
    if site is None:
        return None
    if (
        not isinstance(site, list) or len(site) != 2 or not isinstance(site[0], str)
        or isinstance(site[1], bool) or not isinstance(site[1], int)
    ):
        raise ReferrersError("site must be [filename, lineno]")
    if not tracemalloc.is_tracing():
        raise ReferrersError("site needs tracemalloc tracing (trace_start)")
    filename, lineno = site[0], site[1]

    wanted = (filename, lineno)

    def matches(obj: Any) -> bool:
        traceback = tracemalloc.get_object_traceback(obj)
        if traceback is None:
            return False
        frames = getattr(traceback, "_frames", None)  # the raw (filename, lineno) tuples: no Frame objects
        if type(frames) is tuple:
            return wanted in frames
        return any(frame.lineno == lineno and frame.filename == filename for frame in traceback)

    return matches


def referrers(args: Dict[str, Any], own: Iterable[Any] = ()) -> Dict[str, Any]:
    started = time.perf_counter()
    target = args.get("type")
    if not isinstance(target, str) or not 0 < len(target) <= 300:
        raise ReferrersError("type must be a type name (module.QualName, or a builtin such as dict)")
    n_samples = _int_arg(args, "samples", DEFAULT_SAMPLES, 1, MAX_SAMPLES)
    max_depth = _int_arg(args, "max_depth", DEFAULT_MAX_DEPTH, 1, MAX_DEPTH)
    budget_ms = _int_arg(args, "budget_ms", DEFAULT_BUDGET_MS, 0, MAX_BUDGET_MS)
    pick = args.get("pick", "newest")
    if pick not in PICKS:
        raise ReferrersError(f"pick must be one of {', '.join(PICKS)}")
    matches = _site_matcher(args.get("site"))
    budget = budget_ms / 1000.0
    deadline = started + budget  # for the spread+site checks; the search gets its own budget below
    book = _Book(own)
    names = TypeNames()
    book.hold(names.cache)
    signal_module = sys.modules.get("django.dispatch.dispatcher")
    signal_cls = _instance_attr(signal_module, "Signal") if signal_module is not None else None
    if not issubclass(type(signal_cls), type):
        signal_cls = None

    # Instances, newest first: the youngest generation first, each generation's list from its end (the
    # collector appends new objects and moves survivors to the end of the next generation's list). Filtered
    # with C-level pipelines (map/compress): no Python work, and no allocation, per object.
    candidates: List[Any] = book.hold([])
    types_seen: List[type] = book.hold([])
    signals: List[Any] = book.hold([])
    targets: List[type] = book.hold([])
    hidden: List[Any] = []
    # The lookup holds every object: the other threads wait meanwhile (see world). What it keeps (instances of
    # the target, types, signals, untracked containers; no tuple being built) is safe to hold after. Up to ~1 s
    # (tuples as the target, tracemalloc tracing): a longer pause than the default.
    with world.others_paused(LOOKUP_PAUSE_S):
        for generation in range(3):
            objects = book.hold(gc.get_objects(generation))
            try:
                objects.reverse()
                for cls in set(map(type, objects)):
                    if names(cls) == target and cls not in targets:
                        targets.append(cls)
                for cls in targets:
                    candidates.extend(world.exactly(objects, cls))
                types_seen.extend(compress(objects, map(issubclass, map(type, objects), repeat(type))))
                if signal_cls is not None:
                    signals.extend(compress(objects, map(issubclass, map(type, objects), repeat(signal_cls))))
            finally:  # also when a metaclass's __hash__ raises: its traceback must not hold the list after
                objects.clear()
        for mine in book.own:
            candidates[:] = filterfalse(functools.partial(is_, mine), candidates)
        tracked = bool(candidates)
        world.settle(candidates, book.keep)
        untracked = [] if tracked else _untracked_referents(book)
    if not tracked:
        # With a site, equal strings are not interchangeable: only the ones allocated there will do.
        hidden = _untracked_instances(target, names, candidates, untracked, book, by_value=matches is None)
    instances = len(candidates)
    if pick == "largest" or not tracked:
        # No age order for untracked objects: the largest first (a leaked payload is big).
        try:
            candidates.sort(key=sys.getsizeof, reverse=True)
        except Exception:  # a broken __sizeof__
            candidates.sort(key=_sizeof, reverse=True)
    checked = 0
    if matches is not None and pick == "spread":  # spread over the matching ones: check them all first
        kept: List[Any] = book.hold([])
        for obj in candidates:
            if checked % 256 == 255 and time.perf_counter() >= deadline:
                break
            checked += 1
            if matches(obj):
                kept.append(obj)
        candidates.clear()
        candidates.extend(kept)
        kept.clear()
        matches = None
    if pick == "spread" and len(candidates) > n_samples:
        step = (len(candidates) - 1) / max(1, n_samples - 1)
        order: List[Any] = book.hold([candidates[round(k * step)] for k in range(n_samples)])
        candidates.clear()
        candidates.extend(order)
        order.clear()
    picked: List[Any] = book.hold([])
    site_given = matches is not None or args.get("site") is not None
    for obj in candidates:
        if len(picked) >= n_samples:
            break
        if matches is not None:
            checked += 1
            if not matches(obj):
                continue
        picked.append(obj)
    candidates.clear()

    # The budget bounds the search; the instance lookup above (a few passes over the heap) comes on top.
    deadline = time.perf_counter() + budget
    roots = _Roots(book, types_seen, signals, names)  # modules, classes, signals, frames: no tuple being built
    if hidden:  # untracked containers only: safe to look into while the app runs
        roots.hidden = _hidden_holders(picked, hidden, deadline, book)
    types_seen.clear()
    chains: List[Dict[str, Any]] = []
    for sample in picked:
        found = _search(sample, roots, max_depth, deadline)
        with world.others_paused():  # labels read the containers on the chain: not while they change
            steps = _steps(found, names)
        root: Dict[str, Any] = {"kind": found.kind, "name": found.name or (steps[0]["label"] if steps else "?")}
        if found.thread is not None:
            root["thread"] = found.thread
        if found.kind == "unknown":
            root["exhausted"] = found.exhausted
        chains.append({"root": root, "steps": steps, "depth": found.depth, "partial": found.partial})
        found.path, found.signal = [], None
    # This frame can outlive the call in a reference cycle (it was among the objects listed above): it lets go
    # of the app's objects now, not at the next full collection (never, in an app with gc disabled).
    picked.clear()
    hidden.clear()
    sample = obj = roots = found = None  # type: ignore[assignment]
    result: Dict[str, Any] = {
        "type": target,
        "instances": instances,
        "tracked": tracked,
        "chains": chains,
        "partial": any(c["partial"] for c in chains),
        "elapsed_ms": 0.0,
    }
    if site_given:
        result["site_checked"] = checked
    book.keep.clear()
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return result


# Untracked types whose equal values are interchangeable: de-duplicated by value (hash, in C) instead of by
# identity (one id() per reference found, slow while tracemalloc traces).
_BY_VALUE = (str, bytes, int, float, complex)


def _untracked_referents(book: _Book) -> List[Any]:
    """The referents of the tracked objects that the collector does not track, by C-level pipelines, while the
    other threads wait: no tracked object (no tuple being built) is in what is kept."""
    objects = book.hold(gc.get_objects())
    refs = gc.get_referents(*objects)  # an object comes once per holder
    objects.clear()
    untracked: List[Any] = book.hold(list(filterfalse(gc.is_tracked, refs)))
    refs.clear()
    return untracked


def _untracked_instances(
    target: str, names: TypeNames, out: List[Any], refs: List[Any], book: _Book, by_value: bool = True
) -> List[Any]:
    """Instances the collector does not track (str, bytes, int, dicts and tuples of atomic values...): in
    ``refs`` (``_untracked_referents``), and in the untracked dicts and tuples those are (a dict of str -> str
    is untracked too), of the target type; str, bytes and numbers de-duplicated by value when ``by_value``
    (the first equal one found stands for all), others by identity. Safe while the app runs: untracked
    objects only.
    All filtering is done by C-level pipelines. Returns the untracked containers looked into: the holders
    ``gc.get_referrers`` cannot see (``_hidden_holders``)."""
    classes: List[type] = []
    found: List[Any] = book.hold([])
    containers: List[Any] = book.hold([])
    visited: Set[int] = set()
    while refs:
        for cls in set(map(type, refs)):
            if cls not in classes and names(cls) == target:
                classes.append(cls)
        for cls in classes:
            found.extend(filterfalse(gc.is_tracked, world.exactly(refs, cls)))
        inner: List[Any] = book.hold([])
        for container_type in (dict, tuple):
            for container in filterfalse(gc.is_tracked, world.exactly(refs, container_type)):
                if id(container) not in visited:
                    visited.add(id(container))
                    inner.append(container)
        refs.clear()
        containers.extend(inner)
        refs = book.hold(gc.get_referents(*inner)) if inner else []  # one level down
        inner.clear()
    if by_value and classes and all(cls in _BY_VALUE for cls in classes):
        out.extend(dict.fromkeys(found))
    else:
        out.extend({id(obj): obj for obj in found}.values())
    found.clear()
    return containers


def _hidden_holders(samples: List[Any], containers: List[Any], deadline: float, book: _Book) -> Dict[int, Any]:
    """id(object) -> the untracked container (from ``_untracked_instances``) holding it, for the untracked
    samples and, level by level, for the untracked containers holding them: no tracked object refers to such
    a container, so ``gc.get_referrers`` misses it. One pass over the containers per nesting level."""
    holders: Dict[int, Any] = book.hold({})
    wanted = [obj for obj in samples if not gc.is_tracked(obj)]
    while wanted and time.perf_counter() < deadline:
        found: List[Any] = book.hold([])
        for i, container in enumerate(containers):
            if i % 1024 == 1023 and time.perf_counter() >= deadline:
                break
            for ref in gc.get_referents(container):
                for obj in wanted:
                    if ref is obj and id(obj) not in holders:
                        holders[id(obj)] = container
                        found.append(container)
        wanted = [obj for obj in found if id(obj) not in holders]
    return holders
