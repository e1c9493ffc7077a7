#!/usr/bin/env python
"""Checks that leaks.json and scenario.json agree with the code, and measures what each endpoint retains.

    python check_leaks.py            # leaks.json fields, planted lines and their markers, scenario coverage
    python check_leaks.py --django   # also resolve every path with Django and check its route, who may see it and
                                     # its status, logged out and logged in (uses a throwaway database)
    python check_leaks.py --measure  # also measure each endpoint's retained bytes per request, in process
        [--warmup 1000] [--requests 2000] [--only /path/ ...]

A planted line is where the leaked memory is allocated (what a tracemalloc diff points at): a code line carrying
`# PLANTED LEAK (<checklist>)` (leaks) or `# CONTROL (` (controls). A leak whose fix belongs on another line
(what keeps the memory alive) names that line as its `cause`, a code line carrying `# LEAK CAUSE (<checklist>)`;
otherwise `cause` is null. Every marked code line in the project must be listed. Django's own views (the
accounts/ routes of django.contrib.auth.urls) share one planted line: the include() in lending_library/urls.py.

Beyond slow_leaks' fields, each entry says whether it needs a login (`login`: anonymous visitors are redirected to
LOGIN_URL), its Django route when it has path parameters (`route`, as resolver_match.route shows it; null for a
plain path), what djleak's route discovery can do with it (`discovery`: "path" for a route without parameters,
"filled" for a class-based single-object view (DetailView, UpdateView) whose parameter is its model's pk or slug,
"skipped" for a parameter nothing in the project lists, such as a year), and the status a logged-in GET answers
(`status`: 200, or 405 for the POST-only logout).

--measure calls the project's WSGI application in this process, as a WSGI server would (one application, so one
middleware chain, for the whole run), against a throwaway database. Pages that need a login are sent the session
cookie of `reader` (a database session made once, as Django's test client force_login makes one, and as djleak's
--login makes one); public pages are sent no cookie (a fresh visitor per request, like the scenario's "cookies":
"fresh"). Per endpoint: `--warmup` requests, a full gc.collect(), the heap in use (djleak's probe: pymalloc's
allocated bytes + glibc's mallinfo2 in-use bytes) and sys.getallocatedblocks(), then `--requests` more requests,
collect and read again. The warm-up is long because of bounded fillings: the catalogue is read once per process,
the per-user cache gets its entry, and CPython's type attribute cache (4,096 slots, each holding a reference to
the name it caches) keeps filling with names made at run time, such as the ORM's getattr(node, "as_" + vendor),
for a few thousand requests; after 200 warm-up requests that still showed as 20-40 B a request on some controls,
settling to 0 within ~3,000 requests. A leak fails when its measured bytes/request is more than 25 % away from
leaks.json's `bytes_per_request`; a control fails when it retains more than 16 bytes a request.

Exit status 1 on any problem.
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROBE = HERE.parent.parent / "probe"  # assets/probe: djleak_probe.garbage.heap_in_use
SETTINGS = "lending_library.settings"
CHECKLIST = {"clear-caches", "close-db-connections", "destroy-session-data", "garbage-collection", "weakref"}
FIELDS = {"method", "path", "name", "leaks", "checklist", "planted", "cause", "description", "bytes_per_request",
          "login", "route", "discovery", "status"}
DISCOVERY = {"path", "filled", "skipped"}
LOGIN_USER = "reader"
LEAK_MARKER = re.compile(r"#\s*PLANTED LEAK \(([a-z-]+)\)")
CAUSE_MARKER = re.compile(r"#\s*LEAK CAUSE \(([a-z-]+)\)")
MAX_SCENARIO_REQUESTS = 40_000
LEAK_TOLERANCE = 0.25
CONTROL_LIMIT = 16.0  # bytes a request


def is_code_line(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def marker_lines(marker: re.Pattern[str] = LEAK_MARKER) -> dict[str, str]:
    """Every code line carrying the marker, as {"file:line": checklist}."""
    found = {}
    for path in sorted(HERE.rglob("*.py")):
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = marker.search(line)
            if match and is_code_line(line):
                found[f"{path.relative_to(HERE).as_posix()}:{number}"] = match.group(1)
    return found


def check_leaks(entries: list, problems: list[str]) -> None:
    seen_paths: set[tuple[str, str]] = set()
    for entry in entries:
        where = entry.get("path", "?") if isinstance(entry, dict) else "?"
        if not isinstance(entry, dict) or set(entry) != FIELDS:
            problems.append(f"{where}: fields must be exactly {sorted(FIELDS)}")
            continue
        key = (entry["method"], entry["path"])
        if key in seen_paths:
            problems.append(f"{where}: listed twice")
        seen_paths.add(key)
        if entry["method"] != "GET" or not re.fullmatch(r"/([\w-]+/)*", entry["path"]):
            problems.append(f"{where}: expected a GET on a path (an example path for a route with parameters)")
        if not isinstance(entry["login"], bool):
            problems.append(f"{where}: 'login' must be true or false")
        if entry["discovery"] not in DISCOVERY:
            problems.append(f"{where}: 'discovery' must be one of {sorted(DISCOVERY)}")
        elif (entry["route"] is None) != (entry["discovery"] == "path"):
            problems.append(f"{where}: a route (with parameters) is filled or skipped; a plain path has route null")
        if entry["route"] is not None and (not isinstance(entry["route"], str) or "<" not in entry["route"]):
            problems.append(f"{where}: 'route' must be null or a Django route with parameters, like 'books/<int:pk>/'")
        if entry["status"] not in (200, 405):
            problems.append(f"{where}: 'status' must be 200 or 405")
        if not isinstance(entry["leaks"], bool):
            problems.append(f"{where}: 'leaks' must be true or false")
        size = entry["bytes_per_request"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            problems.append(f"{where}: 'bytes_per_request' must be a non-negative integer")
        elif entry["leaks"] and size == 0:
            problems.append(f"{where}: a leak retains more than 0 bytes a request")
        elif not entry["leaks"] and size != 0:
            problems.append(f"{where}: a control retains 0 bytes a request")
        checklist = entry["checklist"]
        if entry["leaks"]:
            if checklist not in CHECKLIST:
                problems.append(f"{where}: a leak needs a checklist item from {sorted(CHECKLIST)}")
        elif checklist is not None:
            problems.append(f"{where}: a control must have checklist null")
        if not entry["name"] or not entry["description"]:
            problems.append(f"{where}: empty name or description")
        check_planted(entry, problems)
        check_cause(entry, problems)
    listed = {e["planted"] for e in entries if isinstance(e, dict) and e.get("leaks")}
    for location, checklist in marker_lines().items():
        if location not in listed:
            problems.append(f"{location}: PLANTED LEAK ({checklist}) marker not listed in leaks.json")
    causes = {e["cause"] for e in entries if isinstance(e, dict) and e.get("cause")}
    for location, checklist in marker_lines(CAUSE_MARKER).items():
        if location not in causes:
            problems.append(f"{location}: LEAK CAUSE ({checklist}) marker not listed in leaks.json")
    controls = {e["planted"] for e in entries if isinstance(e, dict) and e.get("leaks") is False}
    for location in marker_lines(re.compile(r"#\s*CONTROL \(()")):
        if location not in controls:
            problems.append(f"{location}: CONTROL marker not listed in leaks.json")


def check_planted(entry: dict, problems: list[str]) -> None:
    expected = f"# PLANTED LEAK ({entry['checklist']})" if entry["leaks"] else "# CONTROL ("
    check_marked_line(entry["path"], "planted", entry["planted"], expected, problems)


def check_cause(entry: dict, problems: list[str]) -> None:
    if entry["cause"] is None:
        return
    if not entry["leaks"]:
        problems.append(f"{entry['path']}: a control has no cause (cause must be null)")
        return
    check_marked_line(entry["path"], "cause", entry["cause"], f"# LEAK CAUSE ({entry['checklist']})", problems)


def check_marked_line(where: str, field: str, location: object, expected: str, problems: list[str]) -> None:
    match = re.fullmatch(r"([\w./-]+\.py):(\d+)", location if isinstance(location, str) else "")
    if not match:
        problems.append(f"{where}: {field} must look like 'catalog/views.py:123', got {location!r}")
        return
    source = HERE / match.group(1)
    if not source.is_file():
        problems.append(f"{where}: {match.group(1)} does not exist")
        return
    lines = source.read_text(encoding="utf-8").splitlines()
    number = int(match.group(2))
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    if expected not in line or not is_code_line(line):
        hits = [i for i, text in enumerate(lines, start=1) if expected in text and is_code_line(text)]
        hint = f" (marker found at line {', '.join(map(str, hits))})" if hits else ""
        problems.append(f"{where}: {location} is not a code line marked {expected!r}{hint}")


def check_scenario(entries: list, scenario: dict, problems: list[str]) -> None:
    endpoints = scenario.get("endpoints")
    if not isinstance(endpoints, list) or scenario.get("cookies") != "fresh" or scenario.get("login") != LOGIN_USER:
        problems.append(f"scenario.json: needs an 'endpoints' list, 'cookies': 'fresh' and 'login': {LOGIN_USER!r}")
        return
    covered = set()
    total = 0
    for step in endpoints:
        requests = step.get("requests")
        if not isinstance(requests, int) or requests < 1:
            problems.append(f"scenario.json: {step.get('path')}: 'requests' must be a positive integer")
            continue
        total += requests
        covered.add((step.get("method"), step.get("path")))
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("status") != 200:
            continue  # the POST-only logout: a GET scan of it measures nothing but 405s
        django_own = str(entry.get("planted", "")).startswith("lending_library/urls.py:")
        if django_own and entry.get("path") != "/accounts/login/":
            continue  # Django's password change and reset pages: listed for discovery, not part of the load
        if (entry.get("method"), entry.get("path")) not in covered:
            problems.append(f"scenario.json: {entry.get('method')} {entry.get('path')} is not exercised")
    if total > MAX_SCENARIO_REQUESTS:
        problems.append(f"scenario.json: {total} requests in all, keep it under {MAX_SCENARIO_REQUESTS}")


def setup_django(scratch: str) -> None:
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    os.environ.setdefault("LENDING_LIBRARY_DB", str(Path(scratch) / "db.sqlite3"))
    import django

    django.setup()


def check_routes(entries: list, problems: list[str]) -> None:
    from django.conf import settings
    from django.urls import Resolver404, resolve

    for entry in entries:
        try:
            match = resolve(entry["path"])
        except Resolver404:
            problems.append(f"{entry['path']}: no URL pattern matches")
            continue
        if match.route != (entry["route"] or entry["path"][1:]):
            problems.append(f"{entry['path']}: resolves to route {match.route!r}, leaks.json says {entry['route']!r}")
        view = getattr(match.func, "view_class", match.func)
        if entry["discovery"] == "filled" and not (isinstance(view, type) and hasattr(view, "get_object")):
            problems.append(f"{entry['path']}: 'filled' needs a class-based single-object view, got {view!r}")
        if entry["discovery"] == "skipped" and isinstance(view, type) and hasattr(view, "model") and view.model:
            problems.append(f"{entry['path']}: 'skipped', but its view names a model")
    # Who may see each page, and what it answers: logged out, then logged in as LOGIN_USER.
    for logged_in, cookie in ((False, None), (True, session_cookie())):
        for entry in entries:
            status, location = get(entry["path"], cookie)
            if not logged_in and entry["login"]:
                want = f"{settings.LOGIN_URL}?next="
                if status != 302 or not location.startswith(want):
                    problems.append(f"{entry['path']}: needs a login, but logged out it answered {status} {location}")
            elif status != entry["status"]:
                who = f"logged in as {LOGIN_USER}" if logged_in else "logged out"
                problems.append(f"{entry['path']}: {who} it answered {status} {location}, expected {entry['status']}")


_application = None


def get(path: str, cookie: str | None) -> tuple[int, str]:
    """One GET through the project's WSGI application; (status, Location)."""
    global _application
    if _application is None:
        from django.core.wsgi import get_wsgi_application

        _application = get_wsgi_application()
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "check_leaks.py", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie  # the logged-in reader's session; else a fresh visitor
    started = []
    result = _application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    try:
        for _ in result:
            pass
    finally:
        result.close()  # request_finished: Django closes the database connection (CONN_MAX_AGE 0)
    status, headers = started[0] if started else ("0 nothing", [])
    return int(status.split()[0]), dict(headers).get("Location", "")


def session_cookie() -> str:
    """The Cookie header of a new database session for LOGIN_USER, made as Django's test client force_login does."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model()._default_manager.get_by_natural_key(LOGIN_USER))
    from django.db import connections

    connections.close_all()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def measure(entries: list, warmup: int, requests: int, only: set[str], problems: list[str]) -> None:
    sys.path.insert(0, str(PROBE))
    from djleak_probe.garbage import heap_in_use

    if heap_in_use() is None:
        problems.append("--measure: the heap in use cannot be read here (needs glibc's malloc)")
        return
    # The WSGI application itself, called as a WSGI server calls it (get()): one handler (so one middleware chain)
    # for the whole run, request_started at the start, request_finished (closing the connection) at
    # response.close(). django.test.Client is not used: it retains ~860 B per request of its own (each request
    # re-connects close_old_connections to request_started and request_finished, and every Signal.connect
    # registers a weakref.finalize that is never removed), more than the leaks here.
    cookie = session_cookie()

    def hit(entry: dict) -> None:
        status, location = get(entry["path"], cookie if entry["login"] else None)
        if status != entry["status"]:
            raise RuntimeError(f"GET {entry['path']} answered {status} {location}")

    def figures() -> tuple[int, int]:
        for _ in range(3):
            gc.collect()
        return heap_in_use() or 0, sys.getallocatedblocks()

    print(f"{'endpoint':<52} {'leaks.json':>10} {'B/request':>10} {'blocks/req':>10} {'time/req':>9}  result")
    for entry in entries:
        path = entry["path"]
        if only and path not in only:
            continue
        for _ in range(warmup):
            hit(entry)
        heap_before, blocks_before = figures()
        started = time.perf_counter()
        for _ in range(requests):
            hit(entry)
        elapsed = time.perf_counter() - started
        heap_after, blocks_after = figures()
        per_request = (heap_after - heap_before) / requests
        blocks = (blocks_after - blocks_before) / requests
        expected = entry["bytes_per_request"]
        if entry["leaks"]:
            ok = abs(per_request - expected) <= LEAK_TOLERANCE * expected
            why = f"more than {LEAK_TOLERANCE:.0%} away from {expected}"
        else:
            ok = per_request <= CONTROL_LIMIT
            why = f"a control retains more than {CONTROL_LIMIT:.0f} B/request"
        print(
            f"{path:<52} {expected:>10} {per_request:>10.1f} {blocks:>10.2f} {elapsed / requests * 1000:>7.2f}ms  "
            f"{'ok' if ok else 'FAIL'}",
            flush=True,
        )
        if not ok:
            problems.append(f"{path}: measured {per_request:.1f} B/request, {why}")


def main(argv: list[str]) -> int:
    problems: list[str] = []
    entries = json.loads((HERE / "leaks.json").read_text(encoding="utf-8"))
    scenario = json.loads((HERE / "scenario.json").read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        print("leaks.json: expected a JSON array")
        return 1
    check_leaks(entries, problems)
    check_scenario(entries, scenario, problems)
    options = {"--warmup": 1000, "--requests": 2000}
    only: set[str] = set()
    args = iter(argv)
    for arg in args:
        if arg in options:
            options[arg] = int(next(args))
        elif arg == "--only":
            only.add(next(args))
    if "--django" in argv or "--measure" in argv:
        with tempfile.TemporaryDirectory(prefix="lending_library_check-") as scratch:
            setup_django(scratch)
            check_routes(entries, problems)
            if "--measure" in argv:
                measure(entries, options["--warmup"], options["--requests"], only, problems)
            from django.db import connections

            connections.close_all()
    for problem in problems:
        print(f"FAIL {problem}")
    if not problems:
        print(f"ok: {len(entries)} endpoints, planted lines and markers agree, scenario covers them all"
              + (", measured sizes match" if "--measure" in argv else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
