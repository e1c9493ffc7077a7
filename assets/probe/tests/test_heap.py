"""``census`` and ``referrers``, in process: counts per type, and the roots that hold a type's instances."""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
import threading
import tracemalloc
import unittest
from typing import Any, Dict, List, Optional

from djleak_probe import commands

try:
    from django.dispatch import Signal
except ImportError:  # system python3 without Django
    Signal = None  # type: ignore[assignment,misc]

HERE = __name__
FILE = os.path.abspath(__file__)


def _line_of(marker: str) -> int:
    with open(FILE) as f:
        for number, line in enumerate(f, 1):
            if line.rstrip().endswith(marker):
                return number
    raise AssertionError(marker)


def _command(name: str, args: Dict[str, Any]) -> Dict[str, Any]:
    return commands.handle({"type": "command", "id": 1, "name": name, "args": args})


def _referrers(**args: Any) -> Dict[str, Any]:
    reply = _command("referrers", args)
    assert reply["ok"], reply
    json.dumps(reply)
    return reply["result"]


# ---- what the tests hold -----------------------------------------------------------------------------------


class Marker:
    pass


class Leaky:
    pass


HELD: List[Leaky] = []


class Registered:
    pass


class Registry:
    items: List[Registered] = []


class Cached:
    pass


@functools.lru_cache(maxsize=None)
def make_cached(i: int) -> Cached:
    return Cached()


class Listener:
    def on_event(self, sender: Any, **kwargs: Any) -> None:
        pass


SIGNAL = Signal() if Signal is not None else None


class Parked:
    pass


class Worker(threading.Thread):
    pass


class Cyclic:
    def __init__(self) -> None:
        self.other: Optional[Cyclic] = None


class Item:
    pass


class Holder:
    def __init__(self) -> None:
        self.things: Dict[str, List[Item]] = {"k": [Item()]}


class Closed:
    pass


HOLDER: Optional[Holder] = None


def _make_closure() -> Any:
    captured = [Closed(), Closed()]

    def inner() -> List[Closed]:
        return captured

    return inner


CLOSURE: Any = None


class Old:
    pass


OLDER: List[Old] = []
NEWER: List[Old] = []


class Sited:
    # __slots__: on CPython 3.11, tracemalloc finds no traceback for instances with a managed __dict__.
    __slots__ = ("x",)


SITE_A: List[Sited] = []
SITE_B: List[Sited] = []


def _make_sited(into: List[Sited]) -> None:
    into.append(Sited())  # SITED


BIG_TEXTS: Dict[str, str] = {}
EQUAL_PANELS: Dict[str, str] = {}


def _park(ready: threading.Event, stop: threading.Event) -> None:
    mine = [Parked(), Parked()]
    ready.set()
    stop.wait(10)
    del mine


class CensusTest(unittest.TestCase):
    def test_counts_and_sizes_a_type(self) -> None:
        kept = [Marker() for _ in range(1234)]
        result = _command("census", {"top": 10_000})["result"]
        json.dumps(result)
        self.assertEqual(set(result), {"t", "total_objects", "types_total", "types"})
        by_type = {t["type"]: t for t in result["types"]}
        marker = by_type[f"{HERE}.Marker"]
        self.assertEqual(marker["count"], 1234)
        self.assertEqual(marker["size"], sum(sys.getsizeof(m) for m in kept))
        self.assertGreater(marker["size"], 0)
        self.assertIn("dict", by_type)  # builtins without their module
        self.assertIn("function", by_type)
        self.assertEqual(result["types_total"], len(result["types"]))  # top 10,000: all of them
        self.assertEqual(result["total_objects"], sum(t["count"] for t in result["types"]))
        counts = [t["count"] for t in result["types"]]
        self.assertEqual(counts, sorted(counts, reverse=True))

    def test_top_cuts_the_list_not_the_totals(self) -> None:
        result = _command("census", {"top": 3})["result"]
        self.assertEqual(len(result["types"]), 3)
        self.assertGreater(result["types_total"], 3)
        self.assertGreater(result["total_objects"], sum(t["count"] for t in result["types"]))
        self.assertEqual(_command("census", {})["ok"], True)
        for bad in (0, 10_001, "5", True, None):
            self.assertEqual(_command("census", {"top": bad}),
                             {"type": "reply", "id": 1, "ok": False, "error": "top must be an integer from 1 to 10000"})


class ReferrersTest(unittest.TestCase):
    def check_chain(self, chain: Dict[str, Any], kind: str, name: str, sample_type: str) -> None:
        self.assertEqual(chain["root"]["kind"], kind, chain)
        self.assertEqual(chain["root"]["name"], name, chain)
        self.assertFalse(chain["partial"], chain)
        self.assertEqual(chain["steps"][-1]["type"], sample_type, chain)
        self.assertTrue(all(set(step) == {"type", "label"} for step in chain["steps"]))

    def test_module_global(self) -> None:  # (a)
        HELD.extend(Leaky() for _ in range(5))
        self.addCleanup(HELD.clear)
        result = _referrers(type=f"{HERE}.Leaky")
        self.assertEqual(set(result), {"type", "instances", "tracked", "chains", "partial", "elapsed_ms"})
        self.assertEqual(result["type"], f"{HERE}.Leaky")
        self.assertEqual(result["instances"], 5)
        self.assertTrue(result["tracked"])
        self.assertFalse(result["partial"])
        self.assertEqual(len(result["chains"]), 3)  # samples: 3 by default
        for chain in result["chains"]:
            self.check_chain(chain, "module global", f"{HERE}.HELD", f"{HERE}.Leaky")
            self.assertEqual(chain["steps"], [{"type": "list", "label": f"{HERE}.HELD (list)"},
                                              {"type": f"{HERE}.Leaky", "label": "Leaky"}])
            self.assertEqual(chain["depth"], 1)

    def test_class_attribute(self) -> None:  # (b)
        Registry.items.extend(Registered() for _ in range(4))
        self.addCleanup(Registry.items.clear)
        result = _referrers(type=f"{HERE}.Registered", samples=2)
        self.assertEqual(len(result["chains"]), 2)
        for chain in result["chains"]:
            self.check_chain(chain, "class attribute", f"{HERE}.Registry.items", f"{HERE}.Registered")
            self.assertEqual(chain["steps"][0], {"type": "list", "label": f"{HERE}.Registry.items (list)"})

    @unittest.skipIf(Signal is None, "django is not importable")
    def test_django_signal_strong_receivers(self) -> None:  # (c)
        listeners = [Listener() for _ in range(3)]
        for listener in listeners:
            SIGNAL.connect(listener.on_event, weak=False)
            self.addCleanup(SIGNAL.disconnect, listener.on_event)
        del listeners, listener
        result = _referrers(type=f"{HERE}.Listener")
        self.assertEqual(result["instances"], 3)
        for chain in result["chains"]:
            self.check_chain(chain, "signal receivers", f"{HERE}.SIGNAL", f"{HERE}.Listener")
            labels = [step["label"] for step in chain["steps"]]
            self.assertEqual(labels[:2], [f"{HERE}.SIGNAL (Signal)", "Signal.receivers"])
            self.assertEqual(chain["steps"][0]["type"], "django.dispatch.dispatcher.Signal")
            self.assertEqual([step["type"] for step in chain["steps"][1:]],
                             ["list", "tuple", "method", f"{HERE}.Listener"])

    def test_lru_cache(self) -> None:  # (d)
        for i in range(4):
            make_cached(i)
        self.addCleanup(make_cached.cache_clear)
        result = _referrers(type=f"{HERE}.Cached")
        self.assertEqual(result["instances"], 4)
        for chain in result["chains"]:
            self.check_chain(chain, "lru_cache", f"{HERE}.make_cached", f"{HERE}.Cached")
            self.assertEqual([step["label"] for step in chain["steps"]],
                             [f"{HERE}.make_cached (lru_cache)", "cache dict", "Cached"])

    def test_tiny_budget_is_partial(self) -> None:  # (e)
        HELD.extend(Leaky() for _ in range(2))
        self.addCleanup(HELD.clear)
        result = _referrers(type=f"{HERE}.Leaky", budget_ms=0)
        self.assertTrue(result["partial"])
        self.assertEqual(len(result["chains"]), 2)
        for chain in result["chains"]:
            self.assertTrue(chain["partial"])
            self.assertEqual(chain["root"], {"kind": "unknown", "name": "Leaky", "exhausted": False})

    def test_frame_local_of_a_running_thread(self) -> None:
        ready, stop = threading.Event(), threading.Event()
        thread = threading.Thread(target=_park, args=(ready, stop), name="parked-test", daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(stop.set)
        self.assertTrue(ready.wait(5))
        result = _referrers(type=f"{HERE}.Parked")
        self.assertEqual(result["instances"], 2)
        self.assertEqual(len(result["chains"]), 2)
        for chain in result["chains"]:
            self.check_chain(chain, "frame local", f"{HERE}._park:mine", f"{HERE}.Parked")
            self.assertEqual(chain["root"]["thread"], "parked-test")

    def test_thread(self) -> None:
        stop = threading.Event()
        worker = Worker(target=stop.wait, args=(10,), name="worker-test", daemon=True)
        worker.start()
        self.addCleanup(worker.join, 5)
        self.addCleanup(stop.set)
        del worker
        result = _referrers(type=f"{HERE}.Worker")
        self.assertEqual(result["chains"][0]["root"], {"kind": "thread", "name": "worker-test"})
        self.assertEqual(result["chains"][0]["steps"], [{"type": f"{HERE}.Worker",
                                                         "label": "thread 'worker-test' (Worker)"}])

    def test_unreachable_cycle_is_exhausted(self) -> None:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            a, b = Cyclic(), Cyclic()
            a.other, b.other = b, a
            del a, b
            result = _referrers(type=f"{HERE}.Cyclic", samples=1)
        finally:
            if was_enabled:
                gc.enable()
            gc.collect()
        chain = result["chains"][0]
        self.assertEqual(chain["root"], {"kind": "unknown", "name": "Cyclic", "exhausted": True})
        self.assertFalse(chain["partial"])
        self.assertEqual(chain["steps"], [{"type": f"{HERE}.Cyclic", "label": "Cyclic"}] * 2)  # b -> a
        self.assertEqual(chain["depth"], 1)

    def test_labels_attributes_keys_closures(self) -> None:
        global HOLDER, CLOSURE
        HOLDER, CLOSURE = Holder(), _make_closure()

        def forget() -> None:
            global HOLDER, CLOSURE
            HOLDER = CLOSURE = None

        self.addCleanup(forget)
        chain = _referrers(type=f"{HERE}.Item", samples=1)["chains"][0]
        self.check_chain(chain, "module global", f"{HERE}.HOLDER", f"{HERE}.Item")
        self.assertEqual(chain["steps"], [
            {"type": f"{HERE}.Holder", "label": f"{HERE}.HOLDER (Holder)"},
            {"type": "dict", "label": "Holder.things"},
            {"type": "list", "label": "dict['k']"},
            {"type": f"{HERE}.Item", "label": "Item"},
        ])
        chain = _referrers(type=f"{HERE}.Closed", samples=1)["chains"][0]
        self.check_chain(chain, "module global", f"{HERE}.CLOSURE", f"{HERE}.Closed")
        self.assertEqual([step["label"] for step in chain["steps"]], [
            f"{HERE}.CLOSURE (function)", f"closure of {HERE}._make_closure.<locals>.inner", "list", "Closed",
        ])

    def test_newest_first(self) -> None:
        OLDER.extend(Old() for _ in range(20))
        NEWER.extend(Old() for _ in range(3))
        self.addCleanup(OLDER.clear)
        self.addCleanup(NEWER.clear)
        result = _referrers(type=f"{HERE}.Old")
        self.assertEqual(result["instances"], 23)
        self.assertEqual([c["root"]["name"] for c in result["chains"]], [f"{HERE}.NEWER"] * 3)
        spread = _referrers(type=f"{HERE}.Old", pick="spread", samples=2)
        self.assertEqual([c["root"]["name"] for c in spread["chains"]], [f"{HERE}.NEWER", f"{HERE}.OLDER"])

    def test_untracked_str_largest_first(self) -> None:
        BIG_TEXTS["big"] = "x" * 5_000_001  # a dict of str -> str is not tracked by the collector either
        self.addCleanup(BIG_TEXTS.clear)
        gc.collect()
        self.assertFalse(gc.is_tracked(BIG_TEXTS))
        result = _referrers(type="str", samples=1)
        self.assertFalse(result["tracked"])
        self.assertGreater(result["instances"], 100)
        chain = result["chains"][0]
        self.check_chain(chain, "module global", f"{HERE}.BIG_TEXTS", "str")
        self.assertEqual(chain["steps"], [{"type": "dict", "label": f"{HERE}.BIG_TEXTS (dict)"},
                                          {"type": "str", "label": "str (4.8 MB)"}])

    def test_site_picks_the_instances_allocated_there(self) -> None:
        was_tracing = tracemalloc.is_tracing()
        if not was_tracing:
            tracemalloc.start(5)
            self.addCleanup(tracemalloc.stop)
        self.addCleanup(SITE_A.clear)
        self.addCleanup(SITE_B.clear)
        for _ in range(3):
            _make_sited(SITE_B)  # SITE B
        for _ in range(3):
            _make_sited(SITE_A)  # SITE A
        site_b = [FILE, _line_of("# SITE B")]
        result = _referrers(type=f"{HERE}.Sited", site=site_b, samples=2)
        self.assertEqual(result["instances"], 6)
        self.assertEqual([c["root"]["name"] for c in result["chains"]], [f"{HERE}.SITE_B"] * 2)
        self.assertEqual(result["site_checked"], 5)  # newest first: the 3 of A, then 2 of B
        inner = _referrers(type=f"{HERE}.Sited", site=[FILE, _line_of("# SITED")], samples=6)
        self.assertEqual(len(inner["chains"]), 6)

    def test_site_finds_equal_strings_allocated_there(self) -> None:
        # The demo's session panels: equal texts, the first kept before tracing started, the later ones at the
        # traced line. Strings are otherwise de-duplicated by value; with a site, the traced one must be found.
        def panel(n: int) -> str:
            return "".join(["<li>", "p" * 20_000, str(n % 2), "</li>"])

        was_tracing = tracemalloc.is_tracing()
        if was_tracing:
            tracemalloc.stop()
        self.addCleanup(EQUAL_PANELS.clear)
        EQUAL_PANELS["untraced"] = panel(0)
        tracemalloc.start(5)
        if not was_tracing:
            self.addCleanup(tracemalloc.stop)
        EQUAL_PANELS["traced"] = panel(2)  # EQUAL PANEL
        self.assertEqual(EQUAL_PANELS["untraced"], EQUAL_PANELS["traced"])
        site = [FILE, _line_of("return \"\".join([\"<li>\", \"p\" * 20_000, str(n % 2), \"</li>\"])")]
        result = _referrers(type="str", site=site, samples=1)
        self.assertEqual(len(result["chains"]), 1)
        self.assertEqual(result["chains"][0]["root"], {"kind": "module global", "name": f"{HERE}.EQUAL_PANELS"})
        self.assertEqual(result["chains"][0]["depth"], 1)

    def test_unknown_type_and_bad_args(self) -> None:
        self.assertEqual(_referrers(type="no.such.Type")["instances"], 0)
        self.assertEqual(_referrers(type="no.such.Type")["chains"], [])

        def error(args: Dict[str, Any]) -> str:
            reply = _command("referrers", args)
            self.assertFalse(reply["ok"])
            return reply["error"]

        self.assertIn("type must be", error({}))
        self.assertIn("type must be", error({"type": ""}))
        self.assertEqual(error({"type": "x", "samples": 0}), "samples must be an integer from 1 to 20")
        self.assertEqual(error({"type": "x", "max_depth": 51}), "max_depth must be an integer from 1 to 50")
        self.assertEqual(error({"type": "x", "budget_ms": -1}), "budget_ms must be an integer from 0 to 60000")
        self.assertIn("pick must be one of", error({"type": "x", "pick": "oldest"}))
        self.assertEqual(error({"type": "x", "site": ["f.py"]}), "site must be [filename, lineno]")
        if not tracemalloc.is_tracing():
            self.assertIn("needs tracemalloc", error({"type": "x", "site": ["f.py", 1]}))


if __name__ == "__main__":
    unittest.main()
