"""Rough sizes of what a container, or one of its entries, keeps alive: what the checklist's detectors divide
by the requests between two gauges to say how many bytes a request each piece of evidence accounts for.

``sys.getsizeof`` is shallow, so an entry is sized two levels down: the entry, the items of a container it is,
and for an object its ``__dict__`` and the items of the containers in it (a bound method counts its
``__self__``). Samples of at most ``SAMPLE`` items per level, extrapolated, keep each entry under ~100 calls.
Objects shared between entries are counted once per entry that refers to them: an approximation.
"""

from __future__ import annotations

import collections
import functools
import sys
import types
import weakref
from itertools import islice
from typing import Any, Iterable, List, Optional, Tuple

from .referrers import _instance_dict

SAMPLE = 8  # items (a dict: pairs) sized per container level; the rest extrapolated
NEWEST = 8  # entries sized to say what one more entry costs
_SEQUENCES = (list, tuple, set, frozenset, collections.deque)
_OPAQUE = (str, bytes, bytearray, int, float, complex, bool, type(None), type, types.ModuleType,
           types.FunctionType, types.BuiltinFunctionType, types.CodeType)


def is_a(obj: Any, classes: Any) -> bool:
    """``isinstance`` without asking the object: a lazy object's ``__class__`` property would evaluate it (a
    query, in the probe's thread)."""
    return issubclass(type(obj), classes)


def sizeof(obj: Any) -> int:
    try:
        return sys.getsizeof(obj)
    except Exception:
        return 0


def _items(obj: Any) -> Optional[List[Any]]:
    """A sample of what a container refers to (dict keys and values), or None for other objects."""
    if is_a(obj, dict):
        return [x for pair in islice(dict.items(obj), SAMPLE) for x in pair]
    if is_a(obj, _SEQUENCES):
        return list(islice(iter(obj), SAMPLE))
    return None


def _length(obj: Any) -> int:
    try:
        return len(obj) * (2 if is_a(obj, dict) else 1)
    except Exception:
        return 0


def _level(objs: Iterable[Any], total: int, depth: int) -> int:
    """Sizes ``objs`` (a sample of ``total`` items) ``depth`` levels down, extrapolated to ``total``."""
    size = count = 0
    for obj in objs:
        size += held(obj, depth)
        count += 1
    return size * total // count if count and total > count else size


def held(obj: Any, depth: int = 2) -> int:
    """``obj`` and, ``depth`` levels down, what it refers to (see the module's docstring)."""
    size = sizeof(obj)
    if depth <= 0 or is_a(obj, _OPAQUE):
        return size
    if type(obj) is types.MethodType:
        return size + held(obj.__self__, depth)
    if is_a(obj, functools.partial):
        return size + _level((obj.func, *obj.args), 1 + len(obj.args), depth - 1)
    items = _items(obj)
    if items is not None:
        return size + _level(items, _length(obj), depth - 1)
    attrs = _instance_dict(obj)
    if attrs is None:
        return size
    values = list(islice(dict.values(attrs), SAMPLE))
    return size + sizeof(attrs) + _level(values, len(attrs), depth - 1)


def container_bytes(container: Any, limit: int = 2000) -> int:
    """The container and its entries one level down (dict keys and values, items), the first ``limit`` sized
    and the rest extrapolated: cheap enough for every container of the project at every gauges call."""
    size = sizeof(container)
    n = len(container)
    # Copied first, in one C call (no thread switch inside it): the app may change the container meanwhile.
    if is_a(container, dict):
        pairs = list(islice(dict.items(container), limit))
        sized = sum(sizeof(k) + sizeof(v) for k, v in pairs)
    else:
        sized = sum(map(sizeof, list(islice(iter(container), limit))))
    return size + (sized * n // limit if n > limit else sized)


def newest(container: Any, count: int = NEWEST) -> List[Any]:
    """The entries added last, as well as a container knows (dicts and lists keep their order; a set's are
    any): a dict's (key, value) pairs, another container's items."""
    if is_a(container, dict):
        try:
            keys = list(islice(reversed(container), count))  # type: ignore[call-overload]
        except TypeError:
            keys = list(islice(iter(container), count))
        return [(k, dict.get(container, k)) for k in keys]
    if is_a(container, list):
        return container[-count:]
    if is_a(container, collections.deque):
        return list(islice(reversed(container), count))
    return list(islice(iter(container), count))


def entry_bytes(container: Any) -> int:
    """What one more entry costs: the newest entries sized two levels down (a dict's key one level), with their
    share of the container's own table (a dict's hash table, a list's array)."""
    n = len(container)
    if not n:
        return 0
    sample = newest(container)
    if is_a(container, dict):
        each = [held(k, 1) + held(v) for k, v in sample]
    else:
        each = [held(item) for item in sample]
    return sum(each) // len(each) + sizeof(container) // n


# ---- callbacks ---------------------------------------------------------------------------------------------


def is_callback(obj: Any) -> bool:
    """A callable that keeps something alive: a function, a bound method (its object), a partial, a callable
    instance; classes are callables too, but keep nothing per call."""
    if is_a(obj, (types.FunctionType, types.MethodType, functools.partial, types.BuiltinMethodType)):
        return not is_a(getattr(obj, "__self__", None), types.ModuleType)
    return not is_a(obj, type) and callable(obj) and _instance_dict(obj) is not None


def registry(container: Any, limit: int = 2000) -> Optional[Tuple[int, int]]:
    """(strong callbacks, bytes one of them keeps) of a registry: a container whose items (a dict's values;
    lists in it one level down, as in ``{event: [handler, ...]}``) are callables, or weak references to them, at
    least half of them. None for other containers. At most ``limit`` items are looked at (the count then
    extrapolated), and a container with no callable among its first 64 items is let go at once."""
    # Copied first, in one C call each (no thread switch inside it): the app may change them meanwhile.
    values = list(islice(iter(dict.values(container) if is_a(container, dict) else container), limit))
    strong = weak = seen = outer = 0
    last: List[Any] = []
    for value in values:
        outer += 1
        inner = value if is_a(value, (list, set, tuple, collections.deque)) else (value,)
        for item in list(islice(iter(inner), limit - seen)):
            seen += 1
            if is_a(item, weakref.ref):
                weak += 1
            elif is_callback(item):
                strong += 1
                last.append(item)
                if len(last) > 2 * NEWEST:
                    del last[:NEWEST]
        if seen >= limit or (seen >= 64 and not strong + weak):
            break
    if not seen or 2 * (strong + weak) < seen:
        return None
    newest = last[-NEWEST:]
    each = sum(map(held, newest)) // len(newest) if newest else 0
    return strong * len(container) // outer, each


# ---- session keys ------------------------------------------------------------------------------------------

_SESSION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_HEX = frozenset("0123456789abcdef")


def session_keyed(container: Any) -> bool:
    """Whether the newest keys look like Django session keys (32 characters of a-z and 0-9, as
    ``SessionBase._get_new_session_key`` makes them), some beyond hexadecimal so that md5 digests are not."""
    if not is_a(container, (dict, set, frozenset)) or not container:
        return False
    sample = newest(container)
    keys = [k for k, _ in sample] if is_a(container, dict) else sample
    if not all(type(k) is str and len(k) == 32 and _SESSION_CHARS.issuperset(k) for k in keys):
        return False
    return any(not _HEX.issuperset(k) for k in keys)
