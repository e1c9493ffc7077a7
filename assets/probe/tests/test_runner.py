"""The runner: script and -m forms, argv, sys.path[0], exit codes, usage errors, probe-off mode."""

from __future__ import annotations

import json
import os
import unittest

from djleak_probe import runner

from .helpers import PROBE_ROOT, probe_env, run_probe, tempdir, write

REPORT = """\
import json, sys, threading
print(json.dumps({"argv": sys.argv, "path0": sys.path[0], "name": __name__,
                  "threads": threading.active_count(),
                  "runtime": "djleak_probe.runtime" in sys.modules,
                  "finders": [type(f).__name__ for f in sys.meta_path]}))
"""


class ParseTest(unittest.TestCase):
    def test_forms(self) -> None:
        self.assertEqual(runner.parse(["run", "--", "manage.py", "runserver"]), ("script", "manage.py", ["runserver"]))
        self.assertEqual(runner.parse(["run", "manage.py"]), ("script", "manage.py", []))
        self.assertEqual(
            runner.parse(["run", "--", "-m", "gunicorn", "proj.wsgi", "-w", "2"]),
            ("module", "gunicorn", ["proj.wsgi", "-w", "2"]),
        )
        self.assertEqual(runner.parse(["run", "--", "-mgunicorn", "x"]), ("module", "gunicorn", ["x"]))
        # arguments after the script are the user's, even when they look like options
        self.assertEqual(runner.parse(["run", "--", "s.py", "--", "-m"]), ("script", "s.py", ["--", "-m"]))

    def test_errors(self) -> None:
        for args in ([], ["walk"], ["run"], ["run", "--"], ["run", "--", "-m"], ["run", "--", "-c", "1"], ["run", "-"]):
            with self.subTest(args=args), self.assertRaises(runner.UsageError):
                runner.parse(args)


class RunnerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempdir(self)
        self.env = probe_env()

    def report(self, proc) -> dict:  # type: ignore[no-untyped-def]
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def test_script_argv_path_and_name(self) -> None:
        script = write(self.dir, "app/manage.py", REPORT)
        out = self.report(run_probe(["run", "--", script, "runserver", "--noreload"], self.env, cwd=PROBE_ROOT))
        self.assertEqual(out["argv"], [script, "runserver", "--noreload"])
        self.assertEqual(out["path0"], os.path.dirname(script))
        self.assertEqual(out["name"], "__main__")

    def test_relative_script(self) -> None:
        write(self.dir, "manage.py", REPORT)
        out = self.report(run_probe(["run", "--", "manage.py", "x"], self.env, cwd=self.dir))
        self.assertEqual(out["argv"], ["manage.py", "x"])
        self.assertEqual(out["path0"], self.dir)

    def test_exit_codes_propagate(self) -> None:
        cases = {
            "import sys; sys.exit(7)": 7,
            "import sys; sys.exit(0)": 0,
            "pass": 0,
            "raise SystemExit(3)": 3,
            "import sys; sys.exit('bad things')": 1,
            "raise ValueError('kaputt')": 1,
        }
        for code, expected in cases.items():
            with self.subTest(code=code):
                script = write(self.dir, "s.py", code + "\n")
                proc = run_probe(["run", "--", script], self.env)
                self.assertEqual(proc.returncode, expected, proc.stderr)
        proc = run_probe(["run", "--", write(self.dir, "s.py", "raise ValueError('kaputt')\n")], self.env)
        self.assertIn("ValueError: kaputt", proc.stderr)
        proc = run_probe(["run", "--", write(self.dir, "s.py", "import sys; sys.exit('bad things')\n")], self.env)
        self.assertIn("bad things", proc.stderr)

    def test_exit_code_with_probe_on(self) -> None:
        script = write(self.dir, "s.py", "import sys; sys.exit(9)\n")
        env = probe_env({"DJLEAK_RECORD": os.path.join(self.dir, "r.ndjson")})
        self.assertEqual(run_probe(["run", "--", script], env).returncode, 9)

    def test_module_form(self) -> None:
        write(self.dir, "pkgx/__init__.py", "")
        main = write(self.dir, "pkgx/__main__.py", REPORT + "import sys; sys.exit(int(sys.argv[-1]))\n")
        for form in (["-m", "pkgx"], ["-mpkgx"]):
            with self.subTest(form=form):
                proc = run_probe(["run", "--", *form, "proj.wsgi", "-w", "2", "0"], self.env, cwd=self.dir)
                out = self.report(proc)
                self.assertEqual(out["argv"], [main, "proj.wsgi", "-w", "2", "0"])
                self.assertEqual(out["path0"], self.dir)
                self.assertEqual(out["name"], "__main__")
        proc = run_probe(["run", "--", "-m", "pkgx", "5"], self.env, cwd=self.dir)
        self.assertEqual(proc.returncode, 5)

    def test_plain_module(self) -> None:
        write(self.dir, "tool.py", REPORT)
        out = self.report(run_probe(["run", "--", "-m", "tool", "a"], self.env, cwd=self.dir))
        self.assertEqual(out["argv"], [os.path.join(self.dir, "tool.py"), "a"])

    def test_usage_errors_exit_2(self) -> None:
        for args in ([], ["run"], ["run", "--"], ["walk", "x.py"], ["run", "--", "-m"], ["run", "--", "-c", "1"]):
            with self.subTest(args=args):
                proc = run_probe(args, self.env)
                self.assertEqual(proc.returncode, 2)
                self.assertIn("djleak_probe: error:", proc.stderr)
                self.assertIn("usage:", proc.stderr)

    def test_help(self) -> None:
        proc = run_probe(["--help"], self.env)
        self.assertEqual(proc.returncode, 0)
        self.assertIn("usage:", proc.stdout)

    def test_missing_script_and_module(self) -> None:
        proc = run_probe(["run", "--", os.path.join(self.dir, "nope.py")], self.env)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("can't open file", proc.stderr)
        proc = run_probe(["run", "--", "-m", "no_such_module_xyz"], self.env, cwd=self.dir)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("No module named no_such_module_xyz", proc.stderr)

    def test_probe_off_without_env(self) -> None:
        script = write(self.dir, "s.py", REPORT)
        out = self.report(run_probe(["run", "--", script], self.env))
        self.assertEqual(out["threads"], 1)
        self.assertFalse(out["runtime"])
        self.assertNotIn("DjangoFinder", out["finders"])

    def test_probe_on_installs_hooks(self) -> None:
        script = write(self.dir, "s.py", REPORT)
        env = probe_env({"DJLEAK_RECORD": os.path.join(self.dir, "r.ndjson")})
        out = self.report(run_probe(["run", "--", script], env))
        self.assertTrue(out["runtime"])
        self.assertGreaterEqual(out["threads"], 2)
        if "django" not in out["finders"]:
            self.assertEqual(out["finders"][0], "DjangoFinder")

    def test_probe_stays_importable_when_path0_was_the_probe_folder(self) -> None:
        # No PYTHONPATH: the probe is only importable through sys.path[0] (cwd), which the runner replaces.
        script = write(
            self.dir,
            "s.py",
            "import importlib, sys\nimportlib.import_module('djleak_probe.middleware')\n"
            f"print(sys.path[0], {PROBE_ROOT!r} in sys.path)\n",
        )
        env = probe_env({"DJLEAK_RECORD": os.path.join(self.dir, "r.ndjson")}, pythonpath=False)
        proc = run_probe(["run", "--", script], env, cwd=PROBE_ROOT)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split(), [self.dir, "True"])


if __name__ == "__main__":
    unittest.main()
