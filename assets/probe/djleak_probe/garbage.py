"""A full collection that also sizes what it freed: the figure behind garbage verdicts and the gc action."""

from __future__ import annotations

import ctypes
import gc
import os
import re
import sys
from typing import Any, Callable, List, Optional, Tuple

_trim: Any = None  # glibc malloc_trim once found, False where there is none
_heap: Any = None  # the allocator statistics functions once found, False where there are none


# Non-container objects held by garbage (str, bytes, ...) are counted when at least this big: below it they may
# be shared (interned names, small constants) and would not be freed with the garbage.
_PAYLOAD_MIN = 256

# Collections of the youngest generation alone that the probe ran: told apart from the app's own.
young_collections_by_probe = 0
# Full collections the probe ran (a measurement runs two or three): the `measure` answer says how many, so a scan
# counts only the app's own.
full_collections_by_probe = 0


def full_collect() -> int:
    """gc.collect(), counted as the probe's."""
    global full_collections_by_probe
    full_collections_by_probe += 1
    return gc.collect()

# While a sizing collection runs: the debug flags to restore and where its garbage starts in gc.garbage. A fork
# from another thread in that window (gunicorn's master starting a worker while the probe measures it) would
# otherwise leave the child with DEBUG_SAVEALL on and the parked objects in gc.garbage, and no thread to undo it:
# every collection there would keep its garbage for good.
_saving: Optional[Tuple[int, int]] = None

# CPython 3.13 added _clear_internal_caches (it empties the method cache and more) and deprecated
# _clear_type_cache, which 3.10-3.12 have.
_CLEAR_TYPE_CACHE = getattr(sys, "_clear_internal_caches", None) or getattr(sys, "_clear_type_cache", None)


def clear_type_cache() -> None:
    """Empty CPython's method cache: 4,096 slots, each holding the attribute name last looked up through it.
    An app that looks attributes up by fresh strings (getattr(obj, f"field_{i}"), a template variable, a
    serializer's field names) fills them with strings nothing else holds, ~260 KB at most: bounded, but read as
    a leak of tens of bytes a request until the slots are all taken. Emptied, every measurement starts alike."""
    if _CLEAR_TYPE_CACHE is not None:
        try:
            _CLEAR_TYPE_CACHE()
        except Exception:
            pass


def collect_and_size() -> Tuple[int, int]:
    """A full collection that also says how many objects it found and how many bytes they held."""
    (old, old_bytes), (young, young_bytes) = collect_and_size_split()
    return old + young, old_bytes + young_bytes


def collect_and_size_split() -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """A full collection, as (objects, bytes) found in two parts: what a collection of the youngest generation
    alone found first (garbage made since the app's last young collection, which its next one frees), then what
    only the full collection found (garbage older than that).

    DEBUG_SAVEALL parks both in gc.garbage (the full collection also empties the free lists); then each part is
    released and collected again, and its size is what the heap in use fell by (exact: dicts, instance dicts and
    payloads included), or where the heap cannot be read, an estimate from the objects' sizes."""
    global young_collections_by_probe, _saving
    old_debug = gc.get_debug()
    start = len(gc.garbage)
    _saving = (old_debug, start)
    gc.set_debug(old_debug | gc.DEBUG_SAVEALL)
    try:
        young_n = gc.collect(0)
        young_collections_by_probe += 1
        middle = len(gc.garbage)
        old_n = full_collect()
    finally:
        gc.set_debug(old_debug)
    young = gc.garbage[start:middle]
    old = gc.garbage[middle:]
    del gc.garbage[start:]
    _saving = None
    heap_before = heap_in_use() if young or old else None
    if heap_before is None:
        sizes = (_estimate(old), _estimate(young))
        del old, young
        full_collect()
        return (old_n, sizes[0]), (young_n, sizes[1])
    del old
    full_collect()
    heap_middle = heap_in_use()
    del young
    full_collect()
    heap_after = heap_in_use()
    if heap_middle is None or heap_after is None:
        return (old_n, 0), (young_n, 0)
    return (old_n, max(0, heap_before - heap_middle)), (young_n, max(0, heap_middle - heap_after))


def _estimate(found: List[Any]) -> int:
    """The objects' own sizes plus the payloads (str, bytes... of _PAYLOAD_MIN or more) only they reference."""
    size = 0
    seen = set()
    for obj in found:
        try:
            size += sys.getsizeof(obj)
            for ref in gc.get_referents(obj):
                if gc.is_tracked(ref) or id(ref) in seen:
                    continue
                ref_size = sys.getsizeof(ref)
                if ref_size >= _PAYLOAD_MIN:
                    seen.add(id(ref))
                    size += ref_size
        except Exception:
            continue
    return size


def heap_trimmer() -> Optional[Callable[[int], int]]:
    """glibc's malloc_trim, looked up once (None where there is no glibc). Ask for it before measuring: the
    first lookup makes a few objects of its own."""
    global _trim
    if _trim is None:
        try:
            _trim = getattr(ctypes.CDLL(None), "malloc_trim", None) or False
        except Exception:
            _trim = False
    return _trim or None


def trim_heap() -> bool:
    """malloc_trim(0): free memory goes back to the system, in every arena. Measured after it, RSS is what the
    process holds: otherwise memory freed earlier (another endpoint's, a finished thread's) is reused by a leak
    without RSS moving, and the leak looks flat. A no-op (False) where there is no glibc."""
    trim = heap_trimmer()
    if trim is None:
        return False
    try:
        trim(0)
        return True
    except Exception:
        return False


_MALLINFO_FIELDS = (
    "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO_FIELDS]


class _MallInfo(ctypes.Structure):
    """glibc before 2.33 (Debian 11, Ubuntu 20.04, RHEL 8) has only mallinfo, with int fields: read as unsigned
    they are right up to 4 GiB each, which a Django worker's heap rarely reaches."""

    _fields_ = [(name, ctypes.c_uint) for name in _MALLINFO_FIELDS]


def _malloc_reader(lib: Any, legacy: bool) -> Callable[[], int]:
    """malloc's in-use bytes: chunks handed out (uordblks) plus mmapped ones (hblkhd)."""
    fn = lib.mallinfo if legacy else lib.mallinfo2
    fn.restype = _MallInfo if legacy else _MallInfo2
    fn.argtypes = []

    def read() -> int:
        info = fn()
        return int(info.uordblks) + int(info.hblkhd)

    return read


_ALLOCATED = re.compile(rb"# bytes in allocated blocks\s*=\s*([\d,]+)")


def counts_allocations(read_malloc: Callable[[], int]) -> bool:
    """Whether malloc's statistics see what Python allocates: not so when another malloc (jemalloc, tcmalloc
    through LD_PRELOAD) serves the process, and glibc's figures would then hide every large-object leak. A
    1 MiB buffer (malloc'd through Python's raw allocator) must show."""
    before = read_malloc()
    probe = bytearray(1 << 20)
    seen = read_malloc() - before
    del probe
    return seen >= (1 << 20) * 0.9


def _heap_functions() -> Any:
    """(libc, malloc reader, _PyObject_DebugMallocStats) once looked up; False without glibc's mallinfo2 (or
    mallinfo) and open_memstream."""
    global _heap
    if _heap is None:
        try:
            # The process's own symbols (libc among them): find_library would start a subprocess, and this
            # runs on the sampler thread too.
            lib = ctypes.CDLL(None)
            if not hasattr(lib, "open_memstream") or not (hasattr(lib, "mallinfo2") or hasattr(lib, "mallinfo")):
                raise OSError("no glibc allocator statistics")
            read_malloc = _malloc_reader(lib, legacy=not hasattr(lib, "mallinfo2"))
            if not counts_allocations(read_malloc):
                raise OSError("malloc is not glibc's (jemalloc or tcmalloc preloaded): its statistics would miss")
            lib.open_memstream.restype = ctypes.c_void_p
            lib.open_memstream.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
            lib.fclose.argtypes = [ctypes.c_void_p]
            lib.fclose.restype = ctypes.c_int
            lib.free.argtypes = [ctypes.c_void_p]
            lib.free.restype = None
            stats = getattr(ctypes.pythonapi, "_PyObject_DebugMallocStats", None)
            if stats is not None:
                stats.argtypes = [ctypes.c_void_p]
                stats.restype = ctypes.c_int
            _heap = (lib, read_malloc, stats)
        except Exception:
            _heap = False
    return _heap


def _pymalloc_allocated(lib: Any, stats: Any) -> int:
    """Bytes in the blocks pymalloc has handed out (objects of 512 bytes or less), from its own statistics
    written to a memory stream; 0 when pymalloc is not the allocator (PYTHONMALLOC=malloc: all is malloc's)."""
    buf = ctypes.c_void_p()
    size = ctypes.c_size_t()
    stream = lib.open_memstream(ctypes.byref(buf), ctypes.byref(size))
    if not stream:
        raise OSError("open_memstream failed")
    try:
        in_use = stats(stream)
    finally:
        lib.fclose(stream)
    try:
        text = ctypes.string_at(buf, size.value) if buf.value else b""
    finally:
        lib.free(buf)
    if not in_use:
        return 0
    match = _ALLOCATED.search(text)
    if match is None:
        raise ValueError("pymalloc statistics without 'bytes in allocated blocks'")
    return int(match.group(1).replace(b",", b""))


def heap_in_use() -> Optional[int]:
    """Bytes the process's allocators have handed out and not taken back: pymalloc's allocated blocks plus
    malloc's in-use chunks (mallinfo2, or mallinfo on older glibc: uordblks + hblkhd). Unlike RSS it does not hide a leak that reuses
    memory freed earlier (free pymalloc pools, holes malloc_trim cannot return), so a small-object leak grows
    it from its first request. None where it cannot be read (no glibc, malloc replaced by jemalloc or tcmalloc).
    Cost: ~40 µs on a tidy heap, but mallinfo walks malloc's free chunks holding its lock: ~27 ms on a heap
    fragmented into 150k free chunks (the sampler backs off when reads get slow)."""
    found = _heap_functions()
    if not found:
        return None
    lib, read_malloc, stats = found
    try:
        return read_malloc() + (_pymalloc_allocated(lib, stats) if stats is not None else 0)
    except Exception:
        return None


def _undo_saving_in_child() -> None:
    """In a child forked while another thread's sizing collection had objects parked: the collector as the app
    set it, and gc.garbage as it was (what was parked is garbage; the child frees it)."""
    global _saving
    saving, _saving = _saving, None
    if saving is not None:
        gc.set_debug(saving[0])
        del gc.garbage[saving[1] :]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_undo_saving_in_child)
