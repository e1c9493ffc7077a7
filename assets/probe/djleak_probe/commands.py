"""The fixed set of engine commands (no eval). ``handle`` turns a ``command`` message into a ``reply``."""

from __future__ import annotations

import gc
import time
from typing import Any, Callable, Dict

from . import sampler

Handler = Callable[[Dict[str, Any]], Dict[str, Any]]


class CommandError(Exception):
    """A command was understood but its arguments are unusable."""


def _ping(args: Dict[str, Any]) -> Dict[str, Any]:
    return {"t": time.time()}


def _gc_collect(args: Dict[str, Any]) -> Dict[str, Any]:
    generation = args.get("generation", 2)
    if isinstance(generation, bool) or not isinstance(generation, int) or not 0 <= generation <= 2:
        raise CommandError("generation must be 0, 1 or 2")
    rss_before = sampler.current_rss()
    collected = gc.collect(generation)
    return {"collected": collected, "rss_before": rss_before, "rss_after": sampler.current_rss()}


def _sample_now(args: Dict[str, Any]) -> Dict[str, Any]:
    return {"sample": sampler.take_sample()}


COMMANDS: Dict[str, Handler] = {
    "ping": _ping,
    "gc_collect": _gc_collect,
    "sample_now": _sample_now,
}


def handle(message: Dict[str, Any]) -> Dict[str, Any]:
    """Answer one ``command`` message. Never raises."""
    cid = message.get("id")
    try:
        name = message.get("name")
        args = message.get("args")
        if args is None:
            args = {}
        handler = COMMANDS.get(name) if isinstance(name, str) else None
        if handler is None:
            return {"type": "reply", "id": cid, "ok": False, "error": "unknown command"}
        if not isinstance(args, dict):
            return {"type": "reply", "id": cid, "ok": False, "error": "args must be an object"}
        return {"type": "reply", "id": cid, "ok": True, "result": handler(args)}
    except CommandError as exc:
        return {"type": "reply", "id": cid, "ok": False, "error": str(exc)}
    except Exception as exc:  # a command never raises into the app
        return {"type": "reply", "id": cid, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
