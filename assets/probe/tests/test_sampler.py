"""Sampler fields and cost, current_rss, the sampler thread, commands and config parsing."""

from __future__ import annotations

import gc
import os
import platform
import sys
import threading
import time
import unittest
import warnings
from unittest import mock
from typing import Any, Dict, List

from djleak_probe import commands, config, sampler

from .helpers import wait_until

KEYS = {"t", "rss", "heap", "gc_count", "gc_collections", "gc_collected", "gc_uncollectable", "gc_enabled", "threads", "fds"}


class SampleTest(unittest.TestCase):
    def test_fields(self) -> None:
        before = time.time()
        s = sampler.take_sample()
        after = time.time()
        self.assertEqual(set(s), KEYS)
        self.assertIsInstance(s["t"], float)
        self.assertTrue(before <= s["t"] <= after, (before, s["t"], after))  # the wall time it was taken
        gens = len(gc.get_stats())
        for key in ("gc_collections", "gc_collected", "gc_uncollectable"):
            self.assertEqual(len(s[key]), gens)
            self.assertTrue(all(isinstance(v, int) for v in s[key]))
        self.assertEqual(len(s["gc_count"]), 3)
        self.assertIs(s["gc_enabled"], gc.isenabled())
        self.assertEqual(s["threads"], threading.active_count())
        if sys.platform.startswith("linux"):
            self.assertGreater(s["rss"], 1 << 20)
            if platform.libc_ver()[0] == "glibc" and "LD_PRELOAD" not in os.environ:
                # glibc's allocator: the heap in use is always read
                self.assertIsNotNone(s["heap"])
                self.assertGreater(s["heap"], 1 << 20)
            elif s["heap"] is not None:
                self.assertGreater(s["heap"], 1 << 20)
            self.assertIsInstance(s["fds"], int)
            self.assertGreater(s["fds"], 2)

    def test_gc_disabled_is_reported(self) -> None:
        gc.disable()
        try:
            self.assertFalse(sampler.take_sample()["gc_enabled"])
        finally:
            gc.enable()

    @unittest.skipUnless(sys.platform.startswith("linux"), "exact RSS on Linux")
    def test_current_rss_tracks_allocations_and_forks(self) -> None:
        before = sampler.current_rss()
        assert before is not None
        blob = b"x" * (64 << 20)
        after = sampler.current_rss()
        assert after is not None
        self.assertGreater(after - before, 48 << 20)
        del blob
        with open("/proc/self/statm") as f:
            expected = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        self.assertAlmostEqual(sampler.current_rss() or 0, expected, delta=4 << 20)
        if hasattr(os, "fork"):  # the cached /proc/self/statm fd must not report the parent after a fork
            r, w = os.pipe()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: other test threads are alive
                pid = os.fork()
            if pid == 0:
                try:
                    big = b"y" * (96 << 20)
                    os.write(w, str(sampler.current_rss()).encode())
                    del big
                finally:
                    os._exit(0)
            os.close(w)
            child_rss = int(os.read(r, 64))
            os.close(r)
            os.waitpid(pid, 0)
            self.assertGreater(child_rss, (sampler.current_rss() or 0) + (64 << 20))

    def test_measure_cost_times_take_sample(self) -> None:
        # What one sample costs is a figure of the machine: bench/probe_costs.py reports it against its goal
        # (under 1 ms; current_rss under 0.2 ms). Here: measure_cost times n samples (after one warm-up).
        calls = [0]
        real = sampler.take_sample

        def counted() -> Dict[str, Any]:
            calls[0] += 1
            return real()

        with mock.patch.object(sampler, "take_sample", counted):
            cost = sampler.measure_cost(7)
        self.assertEqual(calls[0], 8)
        self.assertIsInstance(cost, float)
        self.assertGreaterEqual(cost, 0.0)


class SamplerThreadTest(unittest.TestCase):
    def test_samples_and_flushes_on_schedule(self) -> None:
        items: List[Dict[str, Any]] = []
        flushes: List[int] = []
        smp = sampler.Sampler(
            lambda kind, item: items.append(item), lambda: flushes.append(len(items)), lambda: True, 0.01, 0.03
        )
        smp.start()
        try:
            # The events themselves, however long they take here (60 s: a hang guard, not a figure of speed).
            wait_until(lambda: len(items) >= 10 and len(flushes) >= 3, timeout=60)
        finally:
            smp.stop()
        self.assertGreaterEqual(len(items), 10)
        self.assertGreaterEqual(len(flushes), 3)
        self.assertEqual(set(items[0]), KEYS)

    def test_stops_when_link_dies(self) -> None:
        smp = sampler.Sampler(lambda k, i: None, lambda: None, lambda: False, 0.01, 0.05)
        smp.start()
        assert smp._thread is not None
        smp._thread.join(60)  # a hang guard: it stops at its first look at the link
        self.assertFalse(smp._thread.is_alive())


class CommandsTest(unittest.TestCase):
    def test_commands(self) -> None:
        ping = commands.handle({"type": "command", "id": 1, "name": "ping", "args": {}})
        self.assertEqual((ping["type"], ping["id"], ping["ok"]), ("reply", 1, True))
        self.assertIsInstance(ping["result"]["t"], float)
        gcr = commands.handle({"type": "command", "id": 2, "name": "gc_collect", "args": {"generation": 0}})
        self.assertTrue(gcr["ok"])
        self.assertIsInstance(gcr["result"]["collected"], int)
        self.assertTrue(commands.handle({"id": 3, "name": "gc_collect"})["ok"])
        sample = commands.handle({"id": 4, "name": "sample_now", "args": None})
        self.assertEqual(set(sample["result"]["sample"]), KEYS)
        self.assertEqual(
            commands.handle({"id": 5, "name": "exec", "args": {}}),
            {"type": "reply", "id": 5, "ok": False, "error": "unknown command"},
        )
        for args in ({"generation": 3}, {"generation": "2"}, {"generation": True}, [1]):
            with self.subTest(args=args):
                reply = commands.handle({"id": 6, "name": "gc_collect", "args": args})
                self.assertFalse(reply["ok"])
                self.assertIsInstance(reply["error"], str)
        self.assertFalse(commands.handle({"id": 7, "name": None})["ok"])


class ConfigTest(unittest.TestCase):
    def test_defaults_and_off(self) -> None:
        cfg = config.from_env({})
        self.assertFalse(cfg.enabled)
        self.assertEqual((cfg.sample_interval, cfg.batch_interval, cfg.queue_max), (0.1, 0.5, 10_000))
        self.assertEqual(cfg.problems, [])

    def test_collector_and_record(self) -> None:
        cfg = config.from_env({"DJLEAK_COLLECTOR": "127.0.0.1:4321", "DJLEAK_TOKEN": "t", "DJLEAK_RECORD": "x"})
        self.assertEqual((cfg.collector, cfg.token, cfg.record, cfg.mode), (("127.0.0.1", 4321), "t", None, "collector"))
        cfg = config.from_env({"DJLEAK_RECORD": "rel/x.ndjson"})
        self.assertEqual(cfg.record, os.path.abspath("rel/x.ndjson"))
        self.assertEqual(cfg.mode, "record")
        self.assertEqual(config.parse_collector("[::1]:9"), ("::1", 9))
        for bad in ("nope", "host:", ":80", "h:0", "h:99999", "[::1]9"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                config.parse_collector(bad)

    def test_bad_values_fall_back(self) -> None:
        cfg = config.from_env(
            {"DJLEAK_COLLECTOR": "x", "DJLEAK_SAMPLE_INTERVAL": "fast", "DJLEAK_BATCH_INTERVAL": "-1",
             "DJLEAK_QUEUE_MAX": "0", "DJLEAK_RECORD": "r"}
        )
        self.assertEqual(len(cfg.problems), 4)
        self.assertEqual(cfg.mode, "record")  # an unusable collector falls back to the record file
        self.assertEqual((cfg.sample_interval, cfg.batch_interval, cfg.queue_max), (0.1, 0.5, 10_000))
        self.assertEqual(config.from_env({"DJLEAK_SAMPLE_INTERVAL": "0.0001"}).sample_interval, config.MIN_INTERVAL)


if __name__ == "__main__":
    unittest.main()
