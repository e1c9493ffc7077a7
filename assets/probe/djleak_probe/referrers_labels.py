"""The ``referrers`` command's labels (the command is in referrers.py): a chain found by the search as steps
people read (``Owner.attr``, ``dict['key']``, ``closure of f``, ``function m.f``), and byte counts as text.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Dict, List, Optional

from .census import TypeNames, _type_qualname
from .referrers_roots import (
    _FrameType,
    _LRU_WRAPPER,
    _MemberDescriptor,
    _ModuleType,
    _frame_name,
    _func_name,
    _instance_attr,
    _instance_dict,
    _key_text,
    _type_dict,
)
from .referrers_search import _Found


# ---- labels ------------------------------------------------------------------------------------------------


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


def size_text(nbytes: int) -> str:
    """A byte count as people read it: 512 B, 14 KB, 6.7 MB."""
    if nbytes >= 1 << 20:
        return f"{nbytes / (1 << 20):.1f} MB"
    if nbytes >= 1024:
        return f"{round(nbytes / 1024)} KB"
    return f"{nbytes} B"


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
