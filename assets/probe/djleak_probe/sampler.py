"""Light-mode sampling: RSS, heap in use, GC counters, threads, fds; plus the sampler thread that also flushes batches."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from . import diag, garbage

try:  # imported here, never lazily in a probe thread (a fork during an import would deadlock the child)
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

_UNSET: Any = object()
_psutil: Any = _UNSET
_proc: Optional[Any] = None
_proc_pid = -1
_statm_fd = -1
_statm_pid = -1
_page_size = 0


def psutil_module() -> Optional[Any]:
    """psutil when importable (imported on first use, never at probe import time), else None."""
    global _psutil
    if _psutil is _UNSET:
        try:
            import psutil  # type: ignore[import-not-found,import-untyped,unused-ignore]

            _psutil = psutil
        except Exception:
            _psutil = None
    return _psutil


def has_psutil() -> bool:
    return psutil_module() is not None


def _process() -> Optional[Any]:
    """A psutil.Process for *this* pid (re-created after fork)."""
    global _proc, _proc_pid
    pid = os.getpid()
    if _proc is None or _proc_pid != pid:
        mod = psutil_module()
        if mod is None:
            return None
        _proc = mod.Process(pid)
        _proc_pid = pid
    return _proc


def _statm_rss(pid: int) -> Optional[int]:
    """RSS from /proc/self/statm through a cached fd and pread (~2 us; same number psutil reports)."""
    global _statm_fd, _statm_pid, _page_size
    if _statm_pid != pid:
        # /proc/self is resolved at open time: after a fork the old fd describes the parent.
        if _statm_fd >= 0:
            try:
                os.close(_statm_fd)
            except OSError:
                pass
            _statm_fd = -1
        _statm_pid = pid
        try:
            _statm_fd = os.open("/proc/self/statm", os.O_RDONLY)
            _page_size = os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            _statm_fd = -1
    if _statm_fd < 0:
        return None
    try:
        return int(os.pread(_statm_fd, 256, 0).split()[1]) * _page_size
    except (OSError, ValueError, IndexError):
        return None


def current_rss() -> Optional[int]:
    """Resident set size of this process in bytes, or None. Fast (used twice per request). Never raises."""
    try:
        if sys.platform.startswith("linux"):
            rss = _statm_rss(os.getpid())
            if rss is not None:
                return rss
        proc = _process()
        if proc is not None:
            return int(proc.memory_info().rss)
        if resource is None:
            return None
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Fallback only (peak, not current): bytes on macOS, KiB elsewhere.
        return int(peak) if sys.platform == "darwin" else int(peak) * 1024
    except Exception:
        return None


def open_fds() -> Optional[int]:
    """Number of open file descriptors, or None where it cannot be read."""
    try:
        proc = _process()
        if proc is not None and hasattr(proc, "num_fds"):
            return int(proc.num_fds())
    except Exception:
        pass
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return None


class _HeapReads:
    """The heap figure for samples, read at most ~1 % of the time: with every sample while a read is cheap
    (~40 µs), less often when reads get slow (mallinfo walks a fragmented heap's free chunks under malloc's
    lock: ~27 ms for 150k of them). Samples in between carry none (null), not a stale figure."""

    BUDGET = 100  # the next read waits this many times the last read's cost

    def __init__(self) -> None:
        self._next = 0.0

    def read(self) -> Optional[int]:
        now = time.monotonic()
        if now < self._next:
            return None
        start = time.perf_counter()
        heap = garbage.heap_in_use()
        self._next = now + (time.perf_counter() - start) * self.BUDGET
        return heap


_heap_reads = _HeapReads()


# Held while a sample is taken and added to its batch, and by a measurement for its whole length: a sample
# being read (the heap statistics' text buffer, the sample itself: ~30 KB) would otherwise count in it.
SAMPLING = threading.Lock()


def _sampling_after_fork() -> None:
    """A fork while the sampler held the lock leaves the child's copy held by a thread it does not have."""
    global SAMPLING
    SAMPLING = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_sampling_after_fork)


def take_sample() -> Dict[str, Any]:
    """One ``samples`` item (see PROTOCOL.md)."""
    stats = gc.get_stats()
    return {
        "t": time.time(),
        "rss": current_rss(),
        "heap": _heap_reads.read(),
        "gc_count": list(gc.get_count()),
        "gc_collections": [s.get("collections", 0) for s in stats],
        "gc_collected": [s.get("collected", 0) for s in stats],
        "gc_uncollectable": [s.get("uncollectable", 0) for s in stats],
        "gc_enabled": gc.isenabled(),
        "threads": threading.active_count(),
        "fds": open_fds(),
    }


def measure_cost(n: int = 200) -> float:
    """Median wall time of one take_sample() in seconds."""
    times: List[float] = []
    take_sample()
    for _ in range(n):
        start = time.perf_counter()
        take_sample()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


class ProbeThread:
    """A named daemon thread running ``_run`` until ``stop()``; ``_run`` waits on ``self._stop``."""

    name = "djleak"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError


class Sampler(ProbeThread):
    """Daemon thread: a sample every ``interval`` into the ``samples`` batch; ``flush()`` every ``batch_interval``."""

    name = "djleak-sampler"

    def __init__(
        self,
        add: Callable[[str, Dict[str, Any]], None],
        flush: Callable[[], None],
        alive: Callable[[], bool],
        interval: float,
        batch_interval: float,
    ) -> None:
        super().__init__()
        self._add = add
        self._flush = flush
        self._alive = alive
        self._interval = interval
        self._batch_interval = batch_interval

    def _run(self) -> None:
        try:
            now = time.monotonic()
            next_sample = now
            next_flush = now + self._batch_interval
            while not self._stop.wait(max(0.0, next_sample - time.monotonic())):
                if not self._alive():
                    return
                with SAMPLING:
                    self._add("samples", take_sample())
                now = time.monotonic()
                if now >= next_flush:
                    self._flush()
                    next_flush = max(next_flush + self._batch_interval, now)
                next_sample += self._interval
                if next_sample < now:  # fell behind (suspended, overloaded): skip, don't burst
                    next_sample = now + self._interval
        except Exception as exc:
            diag.report("sampler", "the sampler stopped", exc=exc)
