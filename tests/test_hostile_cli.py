"""Hostile command lines (issue 20: the scheduler, the terminal, the checkpoint argument,
options without a ceiling, names, --open): each ends in one clean line and exit status 2,
or in a correct result; nothing hangs, nothing half-written is left."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import BASELINE, MINI, ROOT, call, refused

import sim.io.estimate as estimate
import sim.studies.runner as runner
from sim.errors import RunError, UsageError
from sim.io.estimate import rounds_of, run_estimate
from sim.io.limits import MAX_CASES, MAX_COMPARED, MAX_RESAMPLES, MAX_TRACE
from sim.io.terminal import escape_controls
from sim.model.scenario.loader import load_scenario
from sim.studies.discover import discover
from sim.studies.sensitivity import sensitivity

M = str(MINI)
RUN = ["run", M, "-n", "60", "--seed", "1", "--no-report", "--quiet"]


def sim_process(
    args: list[str], env: dict[str, str] | None = None, shell_tail: str = ""
) -> subprocess.CompletedProcess[str]:
    """``sim ARGS`` in a child process (with ``env`` added to this one's, and ``shell_tail``
    appended to the command line a shell runs, e.g. ``>&-``)."""
    cmd = " ".join(f"'{a}'" for a in [sys.executable, "-m", "sim", *args])
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        f"exec {cmd} {shell_tail}",
        shell=True,
        capture_output=True,
        text=True,
        env=full,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def one_clean_line(p: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The child failed with exit status 2 and one line on stderr holding ``needles``."""
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    for n in needles:
        assert n in p.stderr, (n, p.stderr)
    return p.stderr.strip()


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    assert call([*RUN, "--out", str(out)])[0] == 0
    return out


# ----------------------------------------------------------------- 1: --scheduler without Dask


@pytest.fixture
def no_dask(monkeypatch):
    """Dask as if not installed: importing it fails as a missing package does."""
    for name in ("dask", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", M, "-n", "60", "--no-report"],
        ["sweep", M, "--vary", "pressures.sanctions.level=0:1:2", "-n", "60"],
        ["sensitivity", M, "--samples", "2", "-n", "20", "--no-report"],
        ["calibrate", M, "--param", "pressures.battlefield.signed_after_decision=0:1:2"],
        ["hindcast", M, "-n", "60"],
        ["compare", M, "--variant", "pressures.sanctions.level=0", "-n", "60"],
    ],
    ids=["run", "sweep", "sensitivity", "calibrate", "hindcast", "compare"],
)
def test_1_scheduler_without_dask_is_refused_by_every_verb(argv, no_dask, tmp_path):
    out = tmp_path / "out"
    refused([*argv, "--out", str(out), "--scheduler", "tcp://x"], "--scheduler", "needs Dask")
    assert not out.exists()


def test_1_the_python_api_says_so_too(no_dask):
    with pytest.raises(UsageError, match="needs Dask"):
        sensitivity(M, samples=2, replicates=20, scheduler="tcp://x")


# ----------------------------------------------------------------- 2: a scheduler that never answers


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A local port that accepts connections and never writes a byte."""
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.2)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conns.append(srv.accept()[0])

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        t.join()
        for c in conns:
            c.close()
        srv.close()


def test_2_a_port_that_accepts_and_never_answers_is_refused_within_seconds(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    with silent_port() as port:
        t0 = time.monotonic()
        err = refused(
            [*RUN, "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"],
            f"127.0.0.1:{port}",
            "did not answer",
        )
        spent = time.monotonic() - t0
    assert spent < 15, (spent, err)  # the deadline is 8 s; before, it hung past 120 s
    assert not out.exists()


# ----------------------------------------------------------------- 3: closed stdout, ASCII terminals


def test_3_a_closed_stdout_is_refused_before_anything_runs(tmp_path):
    one_clean_line(sim_process(["schema"], shell_tail=">&-"), "standard output is closed")
    out = tmp_path / "out"
    p = sim_process([*RUN, "--out", str(out)], shell_tail=">&-")
    one_clean_line(p, "standard output is closed", "nothing was done")
    assert not out.exists()
    p = sim_process(["validate", str(MINI)], shell_tail="2>&-")  # stderr closed: still works
    assert (p.returncode, p.stdout) == (0, f"{MINI}: ok (Test war)\n")
    p = sim_process(["validate", str(ROOT / "pyproject.toml")], shell_tail="2>&-")
    assert (p.returncode, p.stdout) == (2, "")


def test_3_an_ascii_terminal_gets_escapes_instead_of_a_crash(tmp_path):
    ascii_env = {"PYTHONIOENCODING": "ascii"}
    p = sim_process(["validate", str(BASELINE)], ascii_env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{BASELINE}: ok (Russia\\u2013Ukraine")  # an en dash
    out = tmp_path / "out"
    p = sim_process(["run", M, "-n", "60", "--no-report", "--out", str(out)], ascii_env)
    assert p.returncode == 0, p.stderr
    assert "95% CI" in p.stdout and "\\u2013" in p.stdout  # the interval's dash, escaped
    assert f"wrote {out}/" in p.stdout
    assert (out / "summary.json").is_file()


# ----------------------------------------------------------------- 4: checkpoint= that is no folder


@pytest.mark.parametrize(
    ("where", "says"),
    [(str(MINI), "is a file, not a folder"), ("/proc/self", "cannot hold a run's chunks")],
    ids=["a file", "/proc/self"],
)
def test_4_a_checkpoint_that_cannot_be_a_folder_is_a_clean_error(where, says):
    before = MINI.read_bytes()
    with pytest.raises(RunError, match=says) as e:
        runner.run(load_scenario(MINI), replicates=50, seed=1, checkpoint=where)
    assert repr(where) in str(e.value)
    assert MINI.read_bytes() == before


# ----------------------------------------------------------------- 5: options with a ceiling


def test_5_trace_and_resamples_have_a_ceiling(run_folder):
    refused(["run", M, "--trace", "100000000"], "--trace", f"at most {MAX_TRACE:,}")
    refused(["discover", str(run_folder), "--resamples", "1000000"], "--resamples", "at most")
    with pytest.raises(UsageError, match="trace must be at most"):
        runner.run(load_scenario(MINI), replicates=50, seed=1, trace=MAX_TRACE + 1)
    with pytest.raises(UsageError, match="resamples must be in"):
        discover(run_folder, resamples=MAX_RESAMPLES + 1)


def test_5_samples_scenarios_and_cases_have_a_ceiling(tmp_path):
    refused(["sweep", M, "--vary", "pressures.sanctions.level=0:1", "--design", "lhs",
             "--samples", "10000000"], "--samples", "at most 100,000")  # fmt: skip
    refused(["sensitivity", M, "--samples", "1048576"], "--samples", "at most 100,000")
    variants = [x for i in range(MAX_COMPARED) for x in ("--variant", f"run.seed={i}")]
    refused(["compare", M, *variants], f"at most {MAX_COMPARED}", "scenarios and variants")
    cases = [M] * (MAX_CASES + 1)
    refused(["hindcast", *cases, "--out", str(tmp_path / "h")], f"at most {MAX_CASES:,} cases")
    refused(["calibrate", *cases, "--param", "negotiation.lookahead_days=30:60:2",
             "--out", str(tmp_path / "c")], f"at most {MAX_CASES:,} cases")  # fmt: skip
    assert not (tmp_path / "h").exists() and not (tmp_path / "c").exists()


def test_5_traced_replicates_are_in_the_estimate(tmp_path, monkeypatch):
    rounds, n = rounds_of(load_scenario(MINI)), 2 * MAX_TRACE
    plain, traced = run_estimate(n, rounds, 1, 0), run_estimate(n, rounds, 1, MAX_TRACE)
    assert traced.memory > plain.memory and traced.disk > plain.disk
    assert traced.seconds > plain.seconds + MAX_TRACE * rounds * 1e-3
    free = (plain.memory + traced.memory) // 2  # room for the run, not for its traces
    monkeypatch.setattr(estimate, "available_memory", lambda: free)
    out = tmp_path / "out"
    args = ["run", M, "-n", str(n), "--no-report", "--quiet", "--out", str(out)]
    refused([*args, "--trace", str(MAX_TRACE)], f"({MAX_TRACE:,} traced)", "--allow-large")
    assert not out.exists()
    assert call([*args, "--trace", "0"])[0] == 0


# ----------------------------------------------------------------- 6: reserved ids, invisible names


def scenario_with(tmp_path: Path, old: str, new: str) -> str:
    text = MINI.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("word", ["obstructer", "target"])
def test_6_reserved_words_are_refused_as_actor_ids(tmp_path, word):
    f = scenario_with(tmp_path, "\n  m:\n", f"\n  {word}:\n")
    line = MINI.read_text().splitlines().index("  m:") + 1
    refused(["validate", f], f"{f}:{line}:3: actors.{word}: '{word}' is reserved")


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ("name: Test war", 'name: "\\u200b\\u200b"', "name", "visible text"),
        ("name: Test war", 'name: "\\u2060\\ufeff "', "name", "visible text"),
        ("name: Test war", 'name: "Test \\e[31mwar"', "name", "found '\\x1b' at character 6"),
        ("name: Test war", 'name: "Test\\r\\nwar"', "name", "control characters"),
        ("name: Test war", 'name: "Test\\x9bwar"', "name", "found '\\x9b'"),
        ('unit: "%"', 'unit: "%\\a"', "issues.territory.unit", "control characters"),
        ("ends: [aligned, neutral]", 'ends: [aligned, "neu\\btral"]', "ends", "control"),
        (
            "description: Two sides, one mediator.",
            'description: "Two\\e]0;x\\a"',
            "description",
            "control",
        ),
        ("    role: mediator\n", '    role: mediator\n    name: "\\u200b"\n', "name", "visible"),
    ],
    ids=["zero-width", "joiners", "ESC", "CRLF", "C1", "unit", "ends", "description", "actor"],
)
def test_6_invisible_names_and_control_characters_are_refused(tmp_path, old, new, field, says):
    err = refused(["validate", scenario_with(tmp_path, old, new)], field, says)
    assert "\x1b" not in err and "\r" not in err and "\x9b" not in err


def test_6_descriptions_may_still_break_lines():
    s = load_scenario(MINI, ['description="first\\n\\tsecond"'])
    assert s.description == "first\n\tsecond"


def test_6_control_characters_printed_are_escaped(tmp_path):
    assert escape_controls("a\x1b[2Jb\r\n\t\x9b\u202e") == "a\\x1b[2Jb\\x0d\n\t\\x9b\\u202e"
    hostile = tmp_path / "evil\x1b]0;owned\x07\r.yaml"  # the file name reaches the terminal
    hostile.write_text("name: [", encoding="utf-8")
    code, out, err = call(["validate", str(hostile)])
    assert code == 2
    assert not any(c in out + err for c in "\x1b\x07\r")
    assert "evil\\x1b]0;owned\\x07\\x0d.yaml" in err


# ----------------------------------------------------------------- 7: --open without a browser


def test_7_report_open_without_a_browser_says_where_the_page_is(run_folder, tmp_path):
    bare = {"PATH": str(tmp_path / "no-bin"), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("BROWSER", None)
    p = subprocess.run(
        [sys.executable, "-m", "sim", "report", str(run_folder), "--open"],
        capture_output=True,
        text=True,
        env={**env, **bare, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"wrote {run_folder / 'report.html'}"
    assert p.stderr.strip() == (
        f"no web browser found to open it; open {(run_folder / 'report.html').resolve()} yourself"
    )
