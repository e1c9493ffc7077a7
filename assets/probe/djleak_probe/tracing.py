"""tracemalloc commands: ``trace_start``, ``trace_stop``, ``trace_status`` and ``snapshot``.

A snapshot's rows (one per allocation traceback) are streamed as ``snapshot_chunk`` lines ahead of the reply,
through the emit callback the link gives to commands (never dropped, sent in order). Rows are grouped straight
from the raw traces (the same grouping as ``Snapshot.statistics("traceback")``: by full traceback, domains
merged), which is ~10x faster than ``filter_traces`` + ``statistics`` and builds no Trace/Frame objects.
"""

from __future__ import annotations

import json
import json.encoder
import os
import time
import tracemalloc
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from . import garbage

DEFAULT_FRAMES = 10
MAX_FRAMES = 100
DEFAULT_LIMIT = 100_000
DEFAULT_CHUNK = 2000
MAX_ID_CHARS = 64
# Each snapshot_chunk line stays at most this long (well under the 1 MiB line limit): a chunk is cut short of
# ``chunk`` rows when needed. One row is at most MAX_FRAMES frames, far below it.
CHUNK_MAX_BYTES = 512 * 1024

Emit = Callable[[Union[Dict[str, Any], bytes]], bool]
RawTraceback = Tuple[Tuple[str, int], ...]


# json's own string encoder (C when available): "…" with everything outside ASCII escaped.
_encode_str: Callable[[str], str] = getattr(json.encoder, "encode_basestring_ascii")


class TraceError(Exception):
    """Unusable arguments, or the rows could not be sent (turned into an ``ok:false`` reply)."""


def _int_arg(args: Dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TraceError(f"{name} must be an integer from {low} to {high}")
    return value


def _status() -> Dict[str, Any]:
    tracing = tracemalloc.is_tracing()
    traced, peak = tracemalloc.get_traced_memory() if tracing else (0, 0)
    return {
        "tracing": tracing,
        "frames": tracemalloc.get_traceback_limit() if tracing else None,
        "traced_bytes": traced,
        "peak_bytes": peak,
        "overhead_bytes": tracemalloc.get_tracemalloc_memory(),
    }


def trace_start(args: Dict[str, Any]) -> Dict[str, Any]:
    frames = _int_arg(args, "frames", DEFAULT_FRAMES, 1, MAX_FRAMES)
    was_tracing = tracemalloc.is_tracing()
    if was_tracing and tracemalloc.get_traceback_limit() < frames:
        tracemalloc.stop()  # a deeper limit needs a restart (the traces so far are lost)
    if not tracemalloc.is_tracing():
        tracemalloc.start(frames)
    return {"tracing": True, "frames": tracemalloc.get_traceback_limit(), "was_tracing": was_tracing}


def trace_stop(args: Dict[str, Any]) -> Dict[str, Any]:
    was_tracing = tracemalloc.is_tracing()
    if was_tracing:
        tracemalloc.stop()  # also clears the traces
    return {"tracing": False, "was_tracing": was_tracing}


def trace_status(args: Dict[str, Any]) -> Dict[str, Any]:
    return _status()


def _probe_dir() -> str:
    return os.path.dirname(os.path.abspath(__file__)) + os.sep


def _excluder() -> Callable[[str], bool]:
    """Is a trace whose innermost frame is in this file to be left out? (tracemalloc itself, the probe,
    importlib's frozen bootstrap, unknown frames.) Cached per file name: traces share few file names."""
    probe_dir = _probe_dir()
    tracemalloc_file = tracemalloc.__file__
    if tracemalloc_file.endswith((".pyc", ".pyo")):
        tracemalloc_file = tracemalloc_file[:-1]
    cache: Dict[str, bool] = {}

    def excluded(filename: str) -> bool:
        hit = cache.get(filename)
        if hit is None:
            hit = cache[filename] = (
                filename == tracemalloc_file
                or filename.startswith(probe_dir)
                or filename.startswith("<frozen importlib")
                or filename == "<unknown>"
            )
        return hit

    return excluded


_SKIP = object()  # the value of an excluded traceback in _group


def _group(traces: List[Any]) -> Tuple[Dict[RawTraceback, int], Dict[RawTraceback, int]]:
    """Per distinct traceback (raw: innermost frame first), the total size and, when more than one, the count
    of its traces; without the excluded traces.

    While tracemalloc traces, every allocation (even of an int) costs a traceback walk of the probe's stack,
    so nothing is computed per trace: a traceback seen once keeps the trace's own size object, one seen more
    often a list of sizes, summed once at the end."""
    excluded = _excluder()
    sizes: Dict[RawTraceback, Any] = {}
    for trace in traces:
        traceback = trace[2]
        value = sizes.get(traceback)
        if value is None:
            sizes[traceback] = _SKIP if not traceback or excluded(traceback[0][0]) else trace[1]
        elif value is _SKIP:
            continue
        elif type(value) is list:
            value.append(trace[1])
        else:
            sizes[traceback] = [value, trace[1]]
    counts: Dict[RawTraceback, int] = {}
    skipped: List[RawTraceback] = []
    for traceback, value in sizes.items():  # values replaced in place: the dict does not change size
        if type(value) is list:
            sizes[traceback] = sum(value)
            counts[traceback] = len(value)
        elif value is _SKIP:
            skipped.append(traceback)
    for traceback in skipped:
        del sizes[traceback]
    return sizes, counts


def _raw_traces(snapshot: tracemalloc.Snapshot) -> List[Any]:
    """The snapshot's traces as tracemalloc keeps them: (domain, size, traceback, total_nframe) tuples."""
    raw = getattr(snapshot.traces, "_traces", None)
    if isinstance(raw, list):
        return raw
    # Another tracemalloc layout: rebuild the same tuples through the public API (slower).
    return [
        (0, trace.size, tuple((f.filename, f.lineno) for f in reversed(trace.traceback)), 0)
        for trace in snapshot.traces
    ]


class _RowEncoder:
    """Rows as JSON text with as few allocations as possible (see ``_group``): each distinct frame and count
    is encoded once; ``json.dumps`` of 100k rows (~40 allocations a row) took ~15 s, this (~2) ~1-2 s."""

    def __init__(self, sizes: Dict[RawTraceback, int], counts: Dict[RawTraceback, int]) -> None:
        self.sizes = sizes
        self.counts = counts
        self.frames: Dict[Tuple[str, int], Tuple[str, str]] = {}  # frame -> (text + ",", text)
        self.count_texts: Dict[int, str] = {}

    def _frame(self, frame: Tuple[str, int]) -> Tuple[str, str]:
        text = f"[{_encode_str(frame[0])},{int(frame[1])}]"
        pair = self.frames[frame] = (text + ",", text)
        return pair

    def _count(self, count: int) -> str:
        text = self.count_texts[count] = str(count)
        return text

    def encode(self, rows: List[RawTraceback]) -> str:
        """``{row},{row},...`` (no brackets)."""
        pieces: List[str] = []
        append = pieces.append
        sizes, counts, frames, count_texts = self.sizes, self.counts, self.frames, self.count_texts
        frame: Tuple[str, int] = ("", 0)
        for traceback in rows:
            append(',{"size":')
            append(str(sizes[traceback]))
            count = counts.get(traceback)
            if count is None:
                append(',"count":1,"frames":[')
            else:
                append(',"count":')
                append(count_texts.get(count) or self._count(count))
                append(',"frames":[')
            for frame in traceback:
                pair = frames.get(frame)
                append((pair or self._frame(frame))[0])
            pieces[-1] = frames[frame][1]  # the last frame without its comma
            append("]}")
        if pieces:
            pieces[0] = '{"size":'
        return "".join(pieces)


def _chunk_lines(
    snapshot_id: str, rows: List[RawTraceback], encoder: _RowEncoder, chunk: int
) -> Iterator[Tuple[bytes, int]]:
    """Pre-encoded ``snapshot_chunk`` lines (and how many rows each holds), in row order: at most ``chunk``
    rows and ``CHUNK_MAX_BYTES`` per line (fewer rows when they are long: sized from the rows so far)."""
    head = json.dumps({"type": "snapshot_chunk", "pid": os.getpid(), "id": snapshot_id}, separators=(",", ":"))
    head = head[:-1] + ',"seq":'
    seq = 0
    start = 0
    per_row = 0.0  # bytes per row so far: how many rows fit in a line
    while start < len(rows):
        n = chunk
        if per_row:
            n = max(1, min(chunk, int(CHUNK_MAX_BYTES * 0.9 / per_row)))
        stop = min(start + n, len(rows))
        body = encoder.encode(rows[start:stop])
        per_row = max(per_row, len(body) / (stop - start))
        line = f'{head}{seq},"rows":[{body}]}}\n'.encode("ascii")
        del body
        while len(line) > CHUNK_MAX_BYTES and stop - start > 1:  # the rows were longer than the estimate
            stop = start + (stop - start) // 2
            line = f'{head}{seq},"rows":[{encoder.encode(rows[start:stop])}]}}\n'.encode("ascii")
        yield line, stop - start
        seq += 1
        start = stop


def snapshot(args: Dict[str, Any], emit: Optional[Emit]) -> Dict[str, Any]:
    started = time.perf_counter()
    snapshot_id = args.get("id")
    if not isinstance(snapshot_id, str) or not 0 < len(snapshot_id) <= MAX_ID_CHARS:
        raise TraceError(f"id must be a string of 1 to {MAX_ID_CHARS} characters")
    limit = _int_arg(args, "limit", DEFAULT_LIMIT, 1, 10_000_000)
    chunk = _int_arg(args, "chunk", DEFAULT_CHUNK, 1, 100_000)
    if emit is None:
        raise TraceError("snapshot needs a collector link to send its rows")
    t = time.time()
    if not tracemalloc.is_tracing():
        tracemalloc.start(DEFAULT_FRAMES)
        traced, peak = tracemalloc.get_traced_memory()
        return {
            "id": snapshot_id, "t": t, "started_tracing": True, "frames": tracemalloc.get_traceback_limit(),
            "traced_bytes": traced, "peak_bytes": peak, "rows_total": 0, "rows_sent": 0, "chunks": 0,
            "truncated": False, "elapsed_ms": round((time.perf_counter() - started) * 1000, 3),
        }
    # The method cache's slots hold the attribute names last looked up through them: strings allocated by
    # the app's requests that nothing else keeps, read as a leak of the line that built them
    # (getattr(node, "as_" + vendor) in Django's SQL compiler) when a window's growth is small.
    garbage.clear_type_cache()
    snap = tracemalloc.take_snapshot()
    traced, peak = tracemalloc.get_traced_memory()
    frames = snap.traceback_limit
    sizes, counts = _group(_raw_traces(snap))
    del snap  # the traces are the biggest part: freed before the rows are encoded
    rows_total = len(sizes)
    ordered = sorted(sizes, key=sizes.__getitem__, reverse=True)  # tracebacks, largest first
    if len(ordered) > limit:
        del ordered[limit:]
    rows_sent = chunks = 0
    try:
        for line, n in _chunk_lines(snapshot_id, ordered, _RowEncoder(sizes, counts), chunk):
            if not emit(line):
                raise TraceError(f"could not send snapshot chunk {chunks}: the link is gone or the engine did not read")
            chunks += 1
            rows_sent += n
    finally:
        del ordered, sizes, counts
    return {
        "id": snapshot_id, "t": t, "started_tracing": False, "frames": frames, "traced_bytes": traced,
        "peak_bytes": peak, "rows_total": rows_total, "rows_sent": rows_sent, "chunks": chunks,
        "truncated": rows_sent < rows_total, "elapsed_ms": round((time.perf_counter() - started) * 1000, 3),
    }
