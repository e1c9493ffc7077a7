"""Process-wide probe state: start, fork handling (a new stream per process), exit (flush + ``bye``)."""

from __future__ import annotations

import atexit
import os
import platform
import sys
import time
from typing import Any, Dict, List, Optional

from . import PROTOCOL_VERSION, __version__, commands, diag, recorder, sampler
from .config import Config
from .link import Link


class _State:
    def __init__(self, cfg: Config, role: str, command: Optional[List[str]]) -> None:
        self.cfg = cfg
        self.role = role
        self.command = command
        self.pid = os.getpid()
        self.link: Optional[Link] = None
        self.sampler: Optional[sampler.Sampler] = None
        self.recorder: Optional[recorder.Recorder] = None
        self.django: Optional[Dict[str, Any]] = None


_state: Optional[_State] = None
_hooks_registered = False


def current_link() -> Optional[Link]:
    """The live link of *this* process, or None (probe off, link lost, or state inherited from a parent)."""
    state = _state
    if state is None or state.pid != os.getpid():
        return None
    link = state.link
    if link is None or not link.alive:
        return None
    return link


def hello(cfg: Config, role: str, command: Optional[List[str]]) -> Dict[str, Any]:
    return {
        "type": "hello",
        "v": PROTOCOL_VERSION,
        "token": cfg.token if cfg.collector is not None else None,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "role": role,
        "t": time.time(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "argv": list(sys.argv),
        "psutil": sampler.has_psutil(),
        "probe": __version__,
        "command": command,
        "mode": cfg.mode,
        "cwd": _cwd(),
    }


def _cwd() -> Optional[str]:
    try:
        return os.getcwd()
    except OSError:
        return None


def _send_log(msg: Dict[str, Any]) -> bool:
    link = current_link()
    return link.send(msg) if link is not None else False


def _start_process(state: _State) -> None:
    cfg = state.cfg
    link = Link(cfg, hello(cfg, state.role, state.command), on_command=commands.handle)
    state.link = link
    link.start()
    smp = sampler.Sampler(link.batch, link.flush, lambda: link.alive, cfg.sample_interval, cfg.batch_interval)
    state.sampler = smp
    smp.start()
    if cfg.mode == "record":
        rec = recorder.Recorder(link, cfg.measure_interval, cfg.snapshot_interval)
        if rec.needed:
            state.recorder = rec
            rec.start()


def start(cfg: Config, role: str = "main", command: Optional[List[str]] = None) -> bool:
    """Start the probe in this process (idempotent). Returns False when disabled or on failure."""
    global _state, _hooks_registered
    try:
        for problem in cfg.problems:
            diag.stderr(problem)
        if not cfg.enabled:
            return False
        if _state is not None and _state.pid == os.getpid():
            return True
        state = _State(cfg, role, command)
        _state = state
        diag.set_sink(_send_log)
        _start_process(state)
        if not _hooks_registered:
            _hooks_registered = True
            if hasattr(os, "register_at_fork"):
                os.register_at_fork(
                    before=_before_fork, after_in_parent=_after_fork_parent, after_in_child=_after_fork_child
                )
            atexit.register(_at_exit)
        for problem in cfg.problems:
            diag.send_log("warning", problem)
        return True
    except Exception as exc:
        diag.report("start", "could not start the probe", exc=exc)
        return False


_fork_locked: Optional[Link] = None


def _before_fork() -> None:
    """Hold the link's descriptor lock across fork() so the child knows every descriptor it inherits."""
    global _fork_locked
    try:
        state = _state
        link = state.link if state is not None and state.pid == os.getpid() else None
        if link is not None and link.fd_lock.acquire(timeout=1.0):
            _fork_locked = link
    except Exception:
        pass


def _after_fork_parent() -> None:
    global _fork_locked
    link, _fork_locked = _fork_locked, None
    if link is not None:
        try:
            link.fd_lock.release()
        except Exception:
            pass


def _after_fork_child() -> None:
    """A forked process is its own stream: new link (role ``worker``) and a new sampler thread."""
    global _state, _fork_locked
    try:
        parent = _state
        if parent is None or parent.pid == os.getpid():
            return
        _fork_locked = None  # the child drops the parent's Link (and its lock) altogether
        diag.reset()
        if parent.link is not None:
            parent.link.abandon()
        state = _State(parent.cfg, "worker", parent.command)
        state.django = parent.django
        _state = state
        _start_process(state)
        if state.django is not None and state.link is not None:
            # Django was set up before the fork (gunicorn --preload): this stream needs it too.
            state.link.send(dict(state.django))
    except Exception as exc:
        diag.report("fork", "could not restart the probe after fork", exc=exc)


def note_django(info: Dict[str, Any]) -> None:
    """Remember and send the ``django`` message (once per process)."""
    state = _state
    if state is None or state.pid != os.getpid():
        return
    first = state.django is None
    state.django = info
    link = current_link()
    if first and link is not None:
        link.send(dict(info))


def shutdown(reason: str = "exit", timeout: float = 2.0) -> None:
    """Final sample, flush, ``bye``, bounded drain. Never raises."""
    try:
        state = _state
        if state is None or state.pid != os.getpid():
            return
        if state.sampler is not None:
            state.sampler.stop()
        if state.recorder is not None:
            state.recorder.stop()
        link = state.link
        if link is None or not link.alive:
            return
        try:
            link.batch("samples", sampler.take_sample())
        except Exception:
            pass
        link.flush()
        link.send({"type": "bye", "t": time.time(), "reason": reason})
        link.close(timeout)
    except Exception as exc:
        diag.report("exit", "could not say bye", exc=exc)


def _at_exit() -> None:
    shutdown("exit")
