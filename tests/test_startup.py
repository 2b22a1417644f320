"""`sim --version` and the parser start without the heavy libraries: pydantic, numpy, scipy,
pandas and matplotlib are imported by the verbs that use them, when they run (their
import took `sim --version` from about 0.2 s to 0.6 s once; bench/bench_startup.py times it)."""

from __future__ import annotations

import subprocess
import sys

from sim.version import build

HEAVY = ("pydantic", "numpy", "scipy", "pandas", "matplotlib", "numba")


def test_the_cli_imports_no_heavy_library_until_a_verb_runs():
    code = "import sys, sim.cli; sim.cli.build_parser(); print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "sim.cli" in loaded
    assert [m for m in HEAVY if m in loaded] == []


def test_version_prints_the_version_and_loads_nothing_heavy():
    code = (
        "import sys, contextlib, io\n"
        "from sim.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):\n"
        "    main(['--version'])\n"
        "print(buf.getvalue().strip()); print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    version, modules = out.stdout.splitlines()
    assert version == f"sim {build()}"  # the version and the code it runs
    assert [m for m in HEAVY if m in modules.split()] == []
