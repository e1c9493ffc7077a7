#!/usr/bin/env python
"""Checks that leaks.json and scenario.json agree with the code.

    python check_leaks.py            # leaks.json fields, planted lines and their markers, scenario coverage
    python check_leaks.py --django   # also resolve every path with Django (uses a throwaway database)

A planted line is where the leaked memory is allocated (what a tracemalloc diff points at): a code line carrying
`# PLANTED LEAK (<checklist>)` (leaks) or `# CONTROL (` (controls). A leak whose fix belongs on another line
(what keeps the memory alive, or what stops it being freed) names that line as its `cause`, a code line carrying
`# LEAK CAUSE (<checklist>)`; otherwise `cause` is null. Every marked code line in the project must be listed.
Exit status 1 on any problem.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKLIST = {"clear-caches", "close-db-connections", "destroy-session-data", "garbage-collection", "weakref"}
FIELDS = {"method", "path", "name", "leaks", "checklist", "planted", "cause", "description"}
LEAK_MARKER = re.compile(r"#\s*PLANTED LEAK \(([a-z-]+)\)")
CAUSE_MARKER = re.compile(r"#\s*LEAK CAUSE \(([a-z-]+)\)")
MAX_SCENARIO_REQUESTS = 800


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
    seen_checklist: dict[str, str] = {}
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
            problems.append(f"{where}: expected a GET on a path without parameters")
        if not isinstance(entry["leaks"], bool):
            problems.append(f"{where}: 'leaks' must be true or false")
        checklist = entry["checklist"]
        if entry["leaks"]:
            if checklist not in CHECKLIST:
                problems.append(f"{where}: a leak needs a checklist item from {sorted(CHECKLIST)}")
            elif checklist in seen_checklist:
                problems.append(f"{where}: checklist {checklist} already used by {seen_checklist[checklist]}")
            else:
                seen_checklist[checklist] = where
        elif checklist is not None:
            problems.append(f"{where}: a control must have checklist null")
        if not entry["name"] or not entry["description"]:
            problems.append(f"{where}: empty name or description")
        check_planted(entry, problems)
        check_cause(entry, problems)
    for missing in sorted(CHECKLIST - set(seen_checklist)):
        problems.append(f"no endpoint demonstrates {missing}")
    listed = {e["planted"] for e in entries if isinstance(e, dict) and e.get("leaks")}
    for location, checklist in marker_lines().items():
        if location not in listed:
            problems.append(f"{location}: PLANTED LEAK ({checklist}) marker not listed in leaks.json")
    causes = {e["cause"] for e in entries if isinstance(e, dict) and e.get("cause")}
    for location, checklist in marker_lines(CAUSE_MARKER).items():
        if location not in causes:
            problems.append(f"{location}: LEAK CAUSE ({checklist}) marker not listed in leaks.json")


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
        problems.append(f"{where}: {field} must look like 'shop/views.py:123', got {location!r}")
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
    if not isinstance(endpoints, list) or scenario.get("cookies") not in ("fresh", "kept"):
        problems.append("scenario.json: needs an 'endpoints' list and 'cookies': 'fresh' | 'kept'")
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
        if isinstance(entry, dict) and (entry.get("method"), entry.get("path")) not in covered:
            problems.append(f"scenario.json: {entry.get('method')} {entry.get('path')} is not exercised")
    if total > MAX_SCENARIO_REQUESTS:
        problems.append(f"scenario.json: {total} requests in all, keep it under {MAX_SCENARIO_REQUESTS}")


def check_routes(entries: list, problems: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaky_shop.settings")
    with tempfile.TemporaryDirectory(prefix="leaky_shop_check-") as scratch:
        os.environ.setdefault("LEAKY_SHOP_DB", str(Path(scratch) / "db.sqlite3"))
        import django
        from django.db import connections
        from django.urls import Resolver404, resolve

        django.setup()
        for entry in entries:
            try:
                resolve(entry["path"])
            except Resolver404:
                problems.append(f"{entry['path']}: no URL pattern matches")
        connections.close_all()


def main(argv: list[str]) -> int:
    problems: list[str] = []
    entries = json.loads((HERE / "leaks.json").read_text(encoding="utf-8"))
    scenario = json.loads((HERE / "scenario.json").read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        print("leaks.json: expected a JSON array")
        return 1
    check_leaks(entries, problems)
    check_scenario(entries, scenario, problems)
    if "--django" in argv:
        check_routes(entries, problems)
    for problem in problems:
        print(f"FAIL {problem}")
    if not problems:
        print(f"ok: {len(entries)} endpoints, planted lines and markers agree, scenario covers them all")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
