"""Running the user's command the way ``python SCRIPT ...`` / ``python -m MODULE ...`` would, probe on."""

from __future__ import annotations

import importlib.util
import os
import runpy
import sys
from typing import List, Optional, Tuple

from . import config, diag, watchdog

USAGE = """\
usage: python -m djleak_probe run -- SCRIPT [ARGS...]
       python -m djleak_probe run -- -m MODULE [ARGS...]

Runs the command with the djleak probe inside it. Environment:
  DJLEAK_COLLECTOR=HOST:PORT  stream to the djleak engine (with DJLEAK_TOKEN)
  DJLEAK_RECORD=FILE          no collector: append the same NDJSON lines to FILE
  DJLEAK_SAMPLE_INTERVAL=0.1  seconds between samples
  DJLEAK_BATCH_INTERVAL=0.5   seconds between batches
With neither DJLEAK_COLLECTOR nor DJLEAK_RECORD set, the command just runs.
"""


class UsageError(Exception):
    pass


def parse(args: List[str]) -> Tuple[str, str, List[str]]:
    """``["run", "--", ...]`` -> ``("script", PATH, ARGS)`` or ``("module", NAME, ARGS)``."""
    if not args:
        raise UsageError("missing the 'run' subcommand")
    if args[0] != "run":
        raise UsageError(f"unknown subcommand {args[0]!r}")
    cmd = args[1:]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("missing the command to run")
    first = cmd[0]
    if first == "-m":
        if len(cmd) < 2 or not cmd[1]:
            raise UsageError("-m needs a module name")
        return "module", cmd[1], cmd[2:]
    if first.startswith("-m") and len(first) > 2:
        return "module", first[2:], cmd[1:]
    if first.startswith("-") and first != "-":
        raise UsageError(f"unsupported python option {first!r} (only SCRIPT or -m MODULE)")
    if first == "-":
        raise UsageError("reading the program from stdin is not supported")
    return "script", first, cmd[1:]


def _probe_root() -> str:
    """The folder holding the ``djleak_probe`` package (on PYTHONPATH via the launcher)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _same_dir(a: str, b: str) -> bool:
    try:
        return os.path.realpath(a or os.curdir) == os.path.realpath(b or os.curdir)
    except Exception:
        return False


def _set_path0(entry: Optional[str]) -> None:
    """Make ``sys.path[0]`` what python itself would have put there (nothing under ``-P``)."""
    if getattr(sys.flags, "safe_path", False):
        return
    old = sys.path[0] if sys.path else None
    if entry is None:
        if sys.path:
            del sys.path[0]
    elif sys.path:
        sys.path[0] = entry
    else:
        sys.path.insert(0, entry)
    root = _probe_root()
    if old is not None and _same_dir(old, root) and not any(_same_dir(p, root) for p in sys.path):
        sys.path.append(root)  # keep the probe importable (Django imports the middleware by name)


def _start_probe(command: List[str]) -> None:
    try:
        cfg = config.from_env()
        if not cfg.enabled:
            for problem in cfg.problems:
                diag.stderr(problem)
            return
        from . import django_hooks, middleware, runtime  # noqa: F401  (middleware: importable after chdir)

        if runtime.start(cfg, role="main", command=command):
            django_hooks.install()
        if cfg.collector is not None:
            watchdog.start(os.environ.get("DJLEAK_ENGINE_PID"))
    except Exception as exc:
        diag.report("start", "could not start the probe; running without it", exc=exc)


def run_script(path: str, rest: List[str], command: List[str]) -> int:
    if not os.path.exists(path):
        sys.stderr.write(f"{sys.executable}: can't open file {os.path.abspath(path)!r}: No such file or directory\n")
        return 2
    sys.argv = [path, *rest]
    if os.path.isdir(path) or not os.path.isfile(path) or _is_zip(path):
        _set_path0(None)  # runpy.run_path puts the folder / zip itself first
    else:
        _set_path0(os.path.dirname(os.path.realpath(path)))
    _start_probe(command)
    runpy.run_path(path, run_name="__main__")
    return 0


def _is_zip(path: str) -> bool:
    try:
        import zipfile

        return zipfile.is_zipfile(path)
    except Exception:
        return False


def run_module(name: str, rest: List[str], command: List[str]) -> int:
    sys.argv = [name, *rest]  # runpy replaces argv[0] by the module's file, as python -m does
    _set_path0(os.getcwd())
    _start_probe(command)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as exc:
        sys.stderr.write(
            f"{sys.executable}: Error while finding module specification for {name!r} ({type(exc).__name__}: {exc})\n"
        )
        return 1
    if spec is None:
        sys.stderr.write(f"{sys.executable}: No module named {name}\n")
        return 1
    runpy.run_module(name, run_name="__main__", alter_sys=True)
    return 0


def main(args: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if args is None else args
    if args and args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    try:
        kind, target, rest = parse(args)
    except UsageError as exc:
        sys.stderr.write(f"djleak_probe: error: {exc}\n\n{USAGE}")
        return 2
    command = ["-m", target, *rest] if kind == "module" else [target, *rest]
    if kind == "module":
        return run_module(target, rest, command)
    return run_script(target, rest, command)
