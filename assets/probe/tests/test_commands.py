"""The ``measure`` and ``urls`` commands: in-process, and over a real collector link (Django in a subprocess)."""

from __future__ import annotations

import functools
import gc
import importlib.util
import json
import os
import platform
import sys
import threading
import tracemalloc
import unittest
from typing import Any, Dict, List

from djleak_probe import commands, urlwalk

from .helpers import linked_app, wait_until

HAS_DJANGO = importlib.util.find_spec("django") is not None

MEASUREMENT_KEYS = {"rss", "heap", "blocks", "gc_objects", "traced"}
# Linux with glibc's own allocator (no malloc preloaded): the heap figure is always there.
GLIBC_HEAP = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc" and "LD_PRELOAD" not in os.environ
MEASURE_KEYS = {"t", "before", "after", "collected", "garbage_bytes", "gc_enabled", "gc_threshold", "gc_collections", "probe_full_collections", "gc_frozen"}


def _measure(args: Any = None) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"type": "command", "id": 1, "name": "measure"}
    if args is not None:
        msg["args"] = args
    return commands.handle(msg)


class Cyclic:
    def __init__(self) -> None:
        self.me = self


class MeasureTest(unittest.TestCase):
    heap_readable = True  # False while a test makes the heap unreadable

    def test_says_how_many_full_collections_it_ran(self) -> None:
        # With the collector off and nothing else collecting, every full collection between two measurements is
        # the probe's: the app's own (the difference) is zero, and one gc.collect() of the app's shows as one.
        was = gc.isenabled()
        gc.disable()
        try:
            first = _measure()["result"]
            second = _measure()["result"]
            gc.collect()
            third = _measure()["result"]
        finally:
            if was:
                gc.enable()
        ran = second["probe_full_collections"] - first["probe_full_collections"]
        self.assertGreaterEqual(ran, 2)  # a measurement runs two or three
        self.assertEqual(second["gc_collections"][2] - first["gc_collections"][2], ran)
        app = (third["gc_collections"][2] - second["gc_collections"][2]) - (
            third["probe_full_collections"] - second["probe_full_collections"]
        )
        self.assertEqual(app, 1)

    def check_shape(self, result: Dict[str, Any], collected: bool) -> None:
        self.assertEqual(set(result), MEASURE_KEYS)
        self.assertIsInstance(result["t"], float)
        for key in ("before", "after") if collected else ("before",):
            m = result[key]
            self.assertEqual(set(m), MEASUREMENT_KEYS)
            self.assertTrue(m["rss"] is None or (isinstance(m["rss"], int) and m["rss"] > 0))
            if GLIBC_HEAP and self.heap_readable:  # glibc's allocator: the heap in use is always read
                self.assertIsInstance(m["heap"], int)
            self.assertTrue(m["heap"] is None or (isinstance(m["heap"], int) and m["heap"] > 0))
            self.assertIsInstance(m["blocks"], int)
            self.assertIsInstance(m["gc_objects"], int)
        self.assertIsInstance(result["gc_enabled"], bool)
        self.assertEqual(result["gc_threshold"], list(gc.get_threshold()))
        self.assertEqual(len(result["gc_collections"]), len(gc.get_stats()))
        self.assertTrue(all(isinstance(c, int) for c in result["gc_collections"]))
        self.assertEqual(result["gc_frozen"], gc.get_freeze_count())
        json.dumps(result)

    def test_collects_cycle_garbage(self) -> None:
        was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            _measure({"collect": True})  # from here the app runs no collection
            for i in range(3000):  # 3000 unreachable self-referencing lists: only a collection frees them
                cycle: List[Any] = []
                cycle.append(cycle)
                cycle.append("x" * 1000 + str(i))  # a payload only the cycle holds
            del cycle
            reply = _measure({"collect": True})
            stats_after = [s["collections"] for s in gc.get_stats()]
            enabled_during = gc.isenabled()
        finally:
            if was_enabled:
                gc.enable()
        self.assertTrue(reply["ok"], reply)
        result = reply["result"]
        self.check_shape(result, collected=True)
        self.assertGreaterEqual(result["collected"], 3000)
        # Each cycle: a list (~72 bytes) and its 1 KB string; sized before they were freed.
        self.assertGreaterEqual(result["garbage_bytes"], 3000 * 1000)
        self.assertLess(result["garbage_bytes"], 3000 * 1300)
        self.assertEqual(gc.garbage, [])  # nothing left parked
        self.assertLessEqual(result["after"]["gc_objects"], result["before"]["gc_objects"] - 2990)
        self.assertLess(result["after"]["blocks"], result["before"]["blocks"])
        self.assertFalse(result["gc_enabled"])
        self.assertFalse(enabled_during)  # measure does not touch the app's gc setting
        self.assertEqual(result["gc_collections"], stats_after)
        self.assertIsNone(result["before"]["traced"])  # tracemalloc is off

    def test_young_garbage_is_left_out_when_the_app_sweeps_it_itself(self) -> None:
        # An app with gc disabled that sweeps generation 0 before each request (the demo's perf.py): cycles still
        # in use at a sweep move to an older generation and pile up once dropped (counted), while the last
        # request's cycles are freed by the next sweep (not counted).
        was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        held: List[Any] = []
        try:
            _measure({"collect": True})

            def request(i: int) -> None:
                gc.collect(0)  # the app's sweep
                held.clear()  # the previous request's cycle, promoted by this sweep, is dropped: old garbage
                cycle: List[Any] = ["x" * 500 + str(i)]
                cycle.append(cycle)
                held.append(cycle)
                for _ in range(10):  # cycles made and dropped within the request: young garbage
                    young: List[Any] = ["y" * 500]
                    young.append(young)

            for i in range(200):
                request(i)
            swept = _measure({"collect": True})["result"]
            # no sweep since: all of it piles up
            for _ in range(100):
                young = ["z" * 500]
                young.append(young)
            del young
            unswept = _measure({"collect": True})["result"]
        finally:
            held.clear()
            if was_enabled:
                gc.enable()
        # the 199 promoted cycles dropped (one tracked list each, with its 500-character string), not the last
        # request's 10 young ones
        self.assertGreaterEqual(swept["collected"], 199)
        self.assertLess(swept["collected"], 205)
        self.assertGreater(swept["garbage_bytes"], 199 * 500)
        self.assertLess(swept["garbage_bytes"], 200 * 700)
        self.assertGreaterEqual(unswept["collected"], 100)

    def test_sizes_garbage_by_estimate_where_the_heap_cannot_be_read(self) -> None:
        from djleak_probe import garbage

        saved = garbage._heap
        garbage._heap = False  # as without glibc
        self.heap_readable = False
        try:
            self.test_collects_cycle_garbage()
        finally:
            garbage._heap = saved
            self.heap_readable = True
        if saved:
            self.assertIsNotNone(garbage.heap_in_use())

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_a_fork_while_garbage_is_parked_leaves_the_child_collecting_as_before(self) -> None:
        # gunicorn's master forks a worker from its main thread while the probe's thread may be sizing garbage:
        # the child must not inherit DEBUG_SAVEALL and the parked objects (seen as gc.garbage = 1 in a recording
        # from CI, and every later collection in that worker would have kept its garbage).
        from djleak_probe import garbage

        parked, go_on = threading.Event(), threading.Event()
        real = gc.collect

        def pausing(generation: int = 2) -> int:
            found = real(generation)
            if generation == 0 and threading.current_thread().name == "sizing":
                parked.set()  # the young garbage sits in gc.garbage, DEBUG_SAVEALL is on
                go_on.wait(10)
            return found

        was_enabled = gc.isenabled()
        gc.disable()  # the cycle below stays for the probe's young collection to find
        gc.collect = pausing
        try:
            Cyclic()
            sizing = threading.Thread(target=garbage.collect_and_size, name="sizing")
            sizing.start()
            self.assertTrue(parked.wait(10))
            self.assertTrue(gc.get_debug() & gc.DEBUG_SAVEALL and gc.garbage)  # the window the fork falls in
            pid = os.fork()
            if pid == 0:
                os._exit(0 if gc.get_debug() == 0 and not gc.garbage else 1)
            go_on.set()
            sizing.join(10)
            _, status = os.waitpid(pid, 0)
        finally:
            go_on.set()
            gc.collect = real
            if was_enabled:
                gc.enable()
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertEqual((gc.get_debug(), gc.garbage), (0, []))

    def test_attribute_names_in_the_method_cache_are_not_counted(self) -> None:
        # getattr with fresh names leaves names in CPython's method cache (4,096 slots, by type and address)
        # that nothing else holds: ~150-190 blocks and ~30 KB here on 3.10-3.13, which the heap after a collection
        # used to count; 7-8 blocks with the cache emptied before measuring.
        rows = [type(f"Row{k}", (), {})() for k in range(8)]
        _measure({"collect": True})
        before = _measure({"collect": True})["result"]["after"]
        names = ["field_" + "x" * 80 + str(i) for i in range(4096)]
        for row in rows:
            for name in names:
                getattr(row, name, None)
        del names
        after = _measure({"collect": True})["result"]["after"]
        self.assertLess(after["blocks"] - before["blocks"], 50)
        if before["heap"] is not None and after["heap"] is not None:
            self.assertLess(after["heap"] - before["heap"], 8192)

    def test_without_collect(self) -> None:
        before = [s["collections"] for s in gc.get_stats()]
        reply = _measure({"collect": False})
        self.assertTrue(reply["ok"], reply)
        result = reply["result"]
        self.check_shape(result, collected=False)
        self.assertIsNone(result["after"])
        self.assertIsNone(result["collected"])
        self.assertIsNone(result["garbage_bytes"])
        self.assertEqual(result["gc_collections"][2], before[2])  # no full collection ran

    def test_default_collects_and_bad_args(self) -> None:
        reply = _measure()  # args omitted: collect defaults to true
        self.assertTrue(reply["ok"], reply)
        self.check_shape(reply["result"], collected=True)
        self.assertIsInstance(reply["result"]["collected"], int)
        self.assertEqual(_measure({})["result"]["after"].keys(), MEASUREMENT_KEYS)
        for bad in ({"collect": 1}, {"collect": "yes"}, {"collect": None}):
            self.assertEqual(_measure(bad), {"type": "reply", "id": 1, "ok": False,
                                             "error": "collect must be true or false"})

    def test_traced_when_tracemalloc_is_on(self) -> None:
        was_tracing = tracemalloc.is_tracing()
        if not was_tracing:
            tracemalloc.start()
        try:
            keep = [bytearray(1000) for _ in range(100)]  # noqa: F841 (traced while alive)
            result = _measure({"collect": True})["result"]
        finally:
            if not was_tracing:
                tracemalloc.stop()
        self.assertGreater(result["before"]["traced"], 100_000)
        self.assertIsInstance(result["after"]["traced"], int)


class UrlsUnitTest(unittest.TestCase):
    def test_without_django_set_up(self) -> None:
        # This test process never runs django.setup() (Django tests use subprocesses).
        self.assertEqual(
            commands.handle({"type": "command", "id": 9, "name": "urls", "args": {}}),
            {"type": "reply", "id": 9, "ok": False, "error": "django is not set up in this process"},
        )

    def test_join_route_like_django(self) -> None:
        self.assertEqual(urlwalk._join_route("", "^a/$"), "^a/$")
        self.assertEqual(urlwalk._join_route("api/", "^v(\\d)/$"), "api/v(\\d)/$")
        self.assertEqual(urlwalk._join_route("^api/", "x/<int:id>/"), "^api/x/<int:id>/")
        self.assertEqual(urlwalk._join_route("en/", ""), "en/")

    def test_view_path(self) -> None:
        class Callable:
            def __call__(self, request: Any) -> None:
                pass

        def view(request: Any, x: int = 0) -> None:
            pass

        here = f"{__name__}.UrlsUnitTest.test_view_path.<locals>"
        self.assertEqual(urlwalk._view_path(view), f"{here}.view")
        self.assertEqual(urlwalk._view_path(functools.partial(view, x=1)), f"{here}.view")
        self.assertEqual(urlwalk._view_path(Callable()), f"{here}.Callable")


# A small project: nested include + namespaces, <int:id>, re_path (named and unnamed groups), a class-based
# view, a partial, i18n_patterns. Line protocol on stdin: "setup", "shrink", "exit".
APP = """\
import functools, json, sys
from django.conf import settings
settings.configure(
    ROOT_URLCONF=__name__, SECRET_KEY="x", INSTALLED_APPS=[], USE_I18N=True, LANGUAGE_CODE="en",
    LANGUAGES=[("en", "English"), ("fr", "French")], MIDDLEWARE=[], LOGGING_CONFIG=None,
)
import django
print("configured", flush=True)
sys.stdin.readline()  # "setup"
django.setup()

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import include, path, re_path, resolve
from django.views import View

def home(request, **kw):
    return HttpResponse("home")

class ItemView(View):
    def get(self, request):
        return HttpResponse("items")

class Views:
    @staticmethod
    def about(request):
        return HttpResponse("about")

deep = [path("leaf/", home, name="leaf")]
shop = [
    path("items/", ItemView.as_view(), name="items"),
    path("items/<int:id>/", home, name="item"),
    path("deep/", include((deep, "deep"))),
]
api = [path("ping/", home), re_path(r"^v(\\d)/$", home, name="version")]
urlpatterns = [
    path("", home, name="home"),
    path("shop/", include((shop, "shop"))),
    re_path(r"^legacy/(?P<slug>[-\\w]+)/$", home, name="legacy"),
    re_path(r"^api/", include(api)),
    path("partial/", functools.partial(home, extra=1)),
] + i18n_patterns(path("about/", Views.about, name="about"))

probe = ["/", "/shop/items/", "/shop/items/5/", "/shop/deep/leaf/", "/legacy/abc/", "/api/ping/", "/api/v2/",
         "/partial/", "/en/about/"]
print(json.dumps([resolve(p).route for p in probe]), flush=True)
for line in sys.stdin:
    if line.strip() == "shrink":
        from djleak_probe import urlwalk
        urlwalk.MAX_RESULT_CHARS = 600
        print("shrunk", flush=True)
    elif line.strip() == "exit":
        sys.exit(0)
"""

EXPECTED = [
    {"route": "", "name": "home", "view": "__main__.home", "has_params": False, "regex": False, "example": "/"},
    {"route": "shop/items/", "name": "shop:items", "view": "__main__.ItemView", "has_params": False,
     "regex": False, "example": "/shop/items/"},
    {"route": "shop/items/<int:id>/", "name": "shop:item", "view": "__main__.home", "has_params": True,
     "regex": False, "example": None},
    {"route": "shop/deep/leaf/", "name": "shop:deep:leaf", "view": "__main__.home", "has_params": False,
     "regex": False, "example": "/shop/deep/leaf/"},
    {"route": "^legacy/(?P<slug>[-\\w]+)/$", "name": "legacy", "view": "__main__.home", "has_params": True,
     "regex": True, "example": None},
    {"route": "^api/ping/", "name": None, "view": "__main__.home", "has_params": False, "regex": True,
     "example": None},
    {"route": "^api/v(\\d)/$", "name": "version", "view": "__main__.home", "has_params": True, "regex": True,
     "example": None},
    {"route": "partial/", "name": None, "view": "__main__.home", "has_params": False, "regex": False,
     "example": "/partial/"},
    {"route": "en/about/", "name": "about", "view": "__main__.Views.about", "has_params": False, "regex": False,
     "example": "/en/about/"},
]


@unittest.skipUnless(HAS_DJANGO, "django is not importable")
class UrlsLinkTest(unittest.TestCase):
    def test_urls_and_measure_over_the_link(self) -> None:
        _collector, proc, conn, _app = linked_app(self, APP)
        self.assertEqual(proc.stdout.readline().strip(), "configured")
        # Django imported and configured, apps not ready yet.
        self.assertEqual(
            conn.command(1, "urls"),
            {"type": "reply", "id": 1, "ok": False, "error": "django is not set up in this process", "pid": proc.pid},
        )
        proc.stdin.write("setup\n")
        proc.stdin.flush()
        django_routes = json.loads(proc.stdout.readline())
        wait_until(lambda: conn.of_type("django"))

        reply = conn.command(2, "urls", {})
        self.assertTrue(reply["ok"], reply)
        result = reply["result"]
        self.assertEqual(result["patterns"], EXPECTED)
        self.assertEqual(result["count"], len(EXPECTED))
        self.assertFalse(result["truncated"])
        # The routes are exactly what Django reports as request.resolver_match.route.
        self.assertEqual([p["route"] for p in result["patterns"]], django_routes)

        measure = conn.command(3, "measure", {"collect": True})
        self.assertTrue(measure["ok"], measure)
        self.assertEqual(set(measure["result"]), MEASURE_KEYS)
        self.assertEqual(set(measure["result"]["after"]), MEASUREMENT_KEYS)
        self.assertIsInstance(measure["result"]["collected"], int)
        self.assertTrue(measure["result"]["gc_enabled"])

        proc.stdin.write("shrink\n")
        proc.stdin.flush()
        self.assertEqual(proc.stdout.readline().strip(), "shrunk")
        cut = conn.command(4, "urls")["result"]
        self.assertTrue(cut["truncated"])
        self.assertEqual(cut["count"], len(EXPECTED))
        self.assertGreater(len(cut["patterns"]), 0)
        self.assertEqual(cut["patterns"], EXPECTED[: len(cut["patterns"])])

        proc.stdin.write("exit\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(10), 0)
        self.assertNotIn("[djleak]", proc.stderr.read())


if __name__ == "__main__":
    unittest.main()


class TrimHeapTest(unittest.TestCase):
    def test_measured_after_a_trim_rss_shows_memory_reused_from_earlier_frees(self) -> None:
        # Holes left by freed memory (every other 64 KB block) are reused by new objects: without a trim RSS
        # does not move (measured here: +0.06 MB for 64 MB kept); after a trim the holes went back to the
        # system, so the new objects show (+58 MB).
        from djleak_probe import garbage, sampler

        if not garbage.trim_heap():
            self.skipTest("no glibc malloc_trim here")
        blocks = [bytearray(65536) for _ in range(2000)]
        holes = blocks[::2]
        del blocks
        garbage.trim_heap()
        base = sampler.current_rss()
        kept = [bytearray(65536) for _ in range(1000)]  # 64 MB
        garbage.trim_heap()
        self.assertGreater(sampler.current_rss() - base, 40 * 1024 * 1024)
        del holes, kept


class HeapInUseTest(unittest.TestCase):
    def test_counts_a_small_object_leak_that_reuses_freed_memory_and_rss_misses(self) -> None:
        # Small objects freed in arenas that stay in use leave free pools no trim returns: new small objects
        # fill them without RSS moving. The heap in use counts what is handed out, so it shows them.
        from djleak_probe import garbage, sampler

        if garbage.heap_in_use() is None:
            self.skipTest("no glibc allocator statistics here")
        survivors = []
        freed = []
        for i in range(200_000):
            (survivors if i % 8 == 0 else freed).append("x" * 200 + str(i))
        size = sum(sys.getsizeof(s) for s in freed)
        del freed
        garbage.trim_heap()
        heap = garbage.heap_in_use()
        rss = sampler.current_rss()
        kept = ["y" * 200 + str(i) for i in range(140_000)]
        kept_size = sum(sys.getsizeof(s) for s in kept)
        grown = garbage.heap_in_use() - heap
        self.assertGreater(size, kept_size)  # the new objects fit in the freed space
        self.assertGreater(grown, 0.9 * kept_size)
        self.assertLess(grown, 1.2 * kept_size + 2 * 1024 * 1024)
        if rss is not None:
            garbage.trim_heap()
            self.assertLess(sampler.current_rss() - rss, 0.5 * kept_size)  # RSS misses most of it
        del kept
        self.assertLess(garbage.heap_in_use() - heap, 0.1 * kept_size)
        del survivors

    def test_older_glibc_mallinfo_reads_the_same_as_mallinfo2(self) -> None:
        # glibc before 2.33 has only mallinfo (int fields); under 4 GiB it must give mallinfo2's figure.
        import ctypes

        from djleak_probe import garbage

        lib = ctypes.CDLL(None)
        if not (hasattr(lib, "mallinfo2") and hasattr(lib, "mallinfo")):
            self.skipTest("needs a glibc with both mallinfo and mallinfo2")
        legacy = garbage._malloc_reader(lib, legacy=True)
        current = garbage._malloc_reader(lib, legacy=False)
        kept = [bytearray(3000) for _ in range(2000)]  # ~6 MB of malloc chunks
        a, b = legacy(), current()
        self.assertGreater(b, 6_000_000)
        self.assertLess(abs(a - b), 64 * 1024)  # allocations between the two reads
        del kept

    def test_refused_when_malloc_statistics_do_not_see_python_allocate(self) -> None:
        # jemalloc or tcmalloc preloaded: glibc's mallinfo stays still while Python allocates.
        import ctypes

        from djleak_probe import garbage

        lib = ctypes.CDLL(None)
        if not hasattr(lib, "mallinfo2"):
            self.skipTest("needs glibc 2.33+")
        self.assertTrue(garbage.counts_allocations(garbage._malloc_reader(lib, legacy=False)))
        self.assertFalse(garbage.counts_allocations(lambda: 5_000_000))

    def test_measure_reports_it_before_and_after(self) -> None:
        from djleak_probe import garbage

        reply = commands.handle({"type": "command", "id": 1, "name": "measure", "args": {}})
        self.assertTrue(reply["ok"], reply)
        for m in (reply["result"]["before"], reply["result"]["after"]):
            if garbage.heap_in_use() is None:
                self.assertIsNone(m["heap"])
            else:
                self.assertGreater(m["heap"], 1024 * 1024)
