"""Reading the probe's configuration from the environment (``DJLEAK_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import List, Mapping, Optional, Tuple

DEFAULT_SAMPLE_INTERVAL = 0.1
DEFAULT_BATCH_INTERVAL = 0.5
DEFAULT_QUEUE_MAX = 10_000
MIN_INTERVAL = 0.005
# Record mode only (no engine to ask): a measurement after a full collection every minute, so an imported
# recording gets verdicts; snapshots only when asked for (tracing is costly).
DEFAULT_MEASURE_INTERVAL = 60.0


@dataclass(frozen=True)
class Config:
    """What the probe should do in this process tree."""

    collector: Optional[Tuple[str, int]] = None
    token: Optional[str] = None
    record: Optional[str] = None
    sample_interval: float = DEFAULT_SAMPLE_INTERVAL
    batch_interval: float = DEFAULT_BATCH_INTERVAL
    queue_max: int = DEFAULT_QUEUE_MAX
    measure_interval: float = 0.0
    snapshot_interval: float = 0.0
    problems: List[str] = field(default_factory=list, compare=False)

    @property
    def enabled(self) -> bool:
        return self.collector is not None or self.record is not None

    @property
    def mode(self) -> str:
        if self.collector is not None:
            return "collector"
        if self.record is not None:
            return "record"
        return "off"


def parse_collector(value: str) -> Tuple[str, int]:
    """Parse ``HOST:PORT`` (or ``[V6]:PORT``); raise ValueError when malformed."""
    text = value.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError("expected [HOST]:PORT")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise ValueError("expected HOST:PORT")
    if not host:
        raise ValueError("missing host")
    port = int(port_text)
    if not 0 < port < 65536:
        raise ValueError("port out of range")
    return host, port


def _positive_float(env: Mapping[str, str], name: str, default: float, problems: List[str]) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"ignoring {name}={raw!r}: not a number; using {default}")
        return default
    if not value > 0 or value != value or value == float("inf"):
        problems.append(f"ignoring {name}={raw!r}: must be a positive number; using {default}")
        return default
    return max(value, MIN_INTERVAL)


def _positive_int(env: Mapping[str, str], name: str, default: int, problems: List[str]) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"ignoring {name}={raw!r}: not an integer; using {default}")
        return default
    if value < 1:
        problems.append(f"ignoring {name}={raw!r}: must be >= 1; using {default}")
        return default
    return value


def _interval_or_off(env: Mapping[str, str], name: str, default: float, problems: List[str]) -> float:
    """Seconds, or 0 for off."""
    raw = (env.get(name) or "").strip()
    if raw in ("0", "off"):
        return 0.0
    return _positive_float(env, name, default, problems) if raw else default


def from_env(environ: Optional[Mapping[str, str]] = None) -> Config:
    """Build a Config from ``environ`` (default ``os.environ``). Never raises."""
    env = os.environ if environ is None else environ
    problems: List[str] = []
    collector: Optional[Tuple[str, int]] = None
    raw_collector = (env.get("DJLEAK_COLLECTOR") or "").strip()
    if raw_collector:
        try:
            collector = parse_collector(raw_collector)
        except ValueError as exc:
            problems.append(f"ignoring DJLEAK_COLLECTOR={raw_collector!r}: {exc}")
    token = env.get("DJLEAK_TOKEN") or None
    record: Optional[str] = None
    raw_record = (env.get("DJLEAK_RECORD") or "").strip()
    if raw_record and collector is None:
        # Absolute, so a later chdir (gunicorn --chdir, the app itself) cannot move the file.
        record = os.path.abspath(raw_record)
    return Config(
        collector=collector,
        token=token,
        record=record,
        sample_interval=_positive_float(env, "DJLEAK_SAMPLE_INTERVAL", DEFAULT_SAMPLE_INTERVAL, problems),
        batch_interval=_positive_float(env, "DJLEAK_BATCH_INTERVAL", DEFAULT_BATCH_INTERVAL, problems),
        queue_max=_positive_int(env, "DJLEAK_QUEUE_MAX", DEFAULT_QUEUE_MAX, problems),
        measure_interval=_interval_or_off(env, "DJLEAK_MEASURE_INTERVAL", DEFAULT_MEASURE_INTERVAL, problems)
        if record
        else 0.0,
        snapshot_interval=_interval_or_off(env, "DJLEAK_RECORD_SNAPSHOTS", 0.0, problems) if record else 0.0,
        problems=problems,
    )
