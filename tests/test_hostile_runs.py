"""Hostile runs (issue 11, items 2, 7, 8, 13 and 17): damaged checkpoints are run again,
resources are bounded before anything starts, workers are capped, Ctrl-C is quiet, and
comparisons of incomparable scenarios are refused."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hostile import MINI, ROOT, call, refused, run_limited
from test_hostile_outputs import interrupt_after_first_chunk

import sim.studies.runner as runner
from sim.errors import UsageError
from sim.io.execution import process_pool, stop_pool
from sim.io.limits import WORKERS_PER_CPU, cap_workers, cpu_count
from sim.model.scenario.loader import load_scenario
from sim.output.results import Results

M = str(MINI)


# ----------------------------------------------------------------- 2: checkpoint integrity


def test_2_copied_truncated_or_foreign_chunks_are_run_again(tmp_path):
    s = load_scenario(MINI)
    ck = tmp_path / "ck"
    reference = runner.run(s, replicates=400, seed=5, chunk_size=100, checkpoint=ck).outcomes
    runner.run(s, replicates=400, seed=6, chunk_size=100, checkpoint=tmp_path / "other")
    damage = {
        "copied": lambda: shutil.copy(ck / "chunk-000000.npz", ck / "chunk-000001.npz"),
        "truncated": lambda: os.truncate(ck / "chunk-000002.npz", 5000),
        "garbage": lambda: (ck / "chunk-000003.npz").write_bytes(b"PK\x03\x04" + b"x" * 100),
        "foreign": lambda: shutil.copy(
            tmp_path / "other" / "chunk-000001.npz", ck / "chunk-000001.npz"
        ),
        "manifest": lambda: (ck / "manifest.json").write_text("{"),
    }
    for what, act in damage.items():
        act()
        again = runner.run(s, replicates=400, seed=5, chunk_size=100, checkpoint=ck).outcomes
        pd.testing.assert_frame_equal(again, reference, obj=what)


def test_2_a_resume_over_a_copied_or_truncated_chunk_matches_a_straight_run(tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    args = ["-n", "8192", "--seed", "7", "--no-report", "--quiet"]
    assert call(["run", M, *args, "--out", str(straight)])[0] == 0
    expected = Results.load(straight).outcomes
    for how in ("copy", "truncate"):
        out, ck = tmp_path / how, tmp_path / f".{how}.chunks"
        interrupt_after_first_chunk(monkeypatch)
        assert call(["run", M, *args, "--out", str(out)])[0] == 130
        monkeypatch.undo()
        if how == "copy":  # the chunk not yet run appears as a copy of the first
            shutil.copy(ck / "chunk-000000.npz", ck / "chunk-000001.npz")
        else:
            os.truncate(ck / "chunk-000000.npz", 5000)
        code, _, err = call(["run", "--resume", str(out), "--quiet", "--no-report"])
        assert code == 0 and err == ""
        pd.testing.assert_frame_equal(Results.load(out).outcomes, expected, obj=how)


# ----------------------------------------------------------------- 7: bounded resources


def test_7_replicates_and_points_are_bounded_before_anything_is_allocated(tmp_path):
    refused(["run", M, "-n", "1000000000000"], "must be at most 100,000,000")
    with pytest.raises(UsageError, match="at most 100,000,000"):
        runner.run(load_scenario(MINI), replicates=10**12)
    vary = ["--vary", "actors.a.support=0.1:0.9:100000000"]
    code, _, err = run_limited(["sweep", M, *vary, "-n", "10", "--out", str(tmp_path / "s")])
    assert code == 2 and "STEPS must be at most 100,000" in err and "Traceback" not in err
    grid = ["--vary", "actors.a.support=0.1:0.9:1000", "--vary", "actors.b.support=0.1:0.9:1000"]
    refused(["sweep", M, *grid, "-n", "10"], "the grid has 1,000,000 points; at most 100,000")
    lhs = ["--design", "lhs", "--samples", "1000000", "--vary", "actors.a.support=0:1"]
    refused(["sweep", M, *lhs], "--samples", "must be at most 100,000")
    refused(["sensitivity", M, "--samples", "65536", "-n", "10"], "at most 100,000 are run")
    assert not (tmp_path / "s").exists()


def test_7_a_run_beyond_free_memory_is_refused_with_its_estimate(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.io.estimate.available_memory", lambda: 2**30)
    out = tmp_path / "big"
    err = refused(["run", M, "-n", "50000000", "--out", str(out)], "of memory", "--allow-large")
    assert "GiB of memory" in err and "1.0 GiB of memory is free" in err and "takes about" in err
    assert not out.exists() and not (tmp_path / ".big.chunks").exists()
    refused(
        ["compare", M, "--variant", "actors.a.support=0.2", "-n", "1000000"], "of memory is free"
    )  # paired bootstrap
    refused(["sweep", M, "--vary", "actors.a.support=0.2,0.4", "-n", "10000000"], "of memory")


# ----------------------------------------------------------------- 8: workers


def test_8_workers_are_capped_at_the_jobs_and_the_cpus(tmp_path, monkeypatch):
    assert cap_workers(1000, 2) == 2
    assert cap_workers(1000, 10**6) == WORKERS_PER_CPU * cpu_count()
    started: list[int] = []
    from sim.io import execution

    real = execution.process_pool  # the one loop every run and study goes through
    monkeypatch.setattr(execution, "process_pool", lambda w: started.append(w) or real(w))
    runner.run(load_scenario(MINI), replicates=200, chunk_size=100, workers=1000)
    assert started == [2]  # one per chunk
    monkeypatch.setattr("sim.io.limits.cpu_count", lambda: 1)
    runner.run(load_scenario(MINI), replicates=100, chunk_size=10, workers=1000)
    assert started == [2, WORKERS_PER_CPU]  # 10 chunks, but one CPU
    started.clear()
    argv = ["run", M, "-n", "100", "--workers", "1000", "--no-report", "--quiet"]
    assert call([*argv, "--out", str(tmp_path / "one")])[0] == 0
    assert started == []  # one chunk: no pool at all


# ----------------------------------------------------------------- 13: Ctrl-C


@pytest.mark.parametrize("n", ["4100", "40960"])
def test_13_ctrl_c_with_two_workers_prints_no_worker_tracebacks(tmp_path, n):
    # 4100: a chunk of 4 replicates finishes first and its worker waits, idle, for work
    # when Ctrl-C comes (the case that printed a worker's traceback); 40960: both busy.
    out = tmp_path / "kw"
    ck = tmp_path / ".kw.chunks"
    cmd = [sys.executable, "-m", "sim", "run", M, "-n", n, "--workers", "2"]
    cmd += ["--out", str(out), "--no-report"]
    p = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while not list(ck.glob("chunk-*.npz")):
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C sends: every process of the group
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        for pipe in (p.stdout, p.stderr):  # a failure here must not leak into the next test
            if pipe is not None:
                pipe.close()
    assert p.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines() == [
        line for line in err.strip().splitlines() if line.startswith("interrupted: ")
    ]
    assert "finished chunk(s) kept" in err and f"--resume {out}" in err


def _send_half_a_result(_: int) -> None:
    """In a pool worker: start sending a result of 1 MB on the pool's results pipe, send
    10 bytes of it, and stay (as a worker ended mid-send by Ctrl-C leaves the pipe)."""
    frame = sys._getframe()
    while "result_queue" not in frame.f_locals:
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    os.write(writer.fileno(), struct.pack("!i", 1_000_000) + b"x" * 10)
    time.sleep(600)


def test_13_stopping_a_pool_whose_worker_was_ended_mid_send_does_not_hang():
    # The cause of the intermittent hang of the 40960 case above: the parent kept the
    # pipe's write end, so the pool's manager thread waited for the rest of the message
    # for ever and stop_pool with it.
    pool = process_pool(2)
    for i in range(2):
        pool.submit(_send_half_a_result, i)
    time.sleep(1)  # both workers have sent their 10 bytes
    stopper = threading.Thread(target=stop_pool, args=(pool, True), daemon=True)
    stopper.start()
    stopper.join(30)
    assert not stopper.is_alive()


# ----------------------------------------------------------------- 17: compare


def _with_extra_issue(tmp_path: Path) -> str:
    text = MINI.read_text()
    text = text.replace(
        "  neutrality: {range: [0, 1], ends: [aligned, neutral]}\n",
        "  neutrality: {range: [0, 1], ends: [aligned, neutral]}\n  aid: {range: [0, 1]}\n",
    )
    text = text.replace("{territory: 0, neutrality: 0}", "{territory: 0, neutrality: 0, aid: 0}")
    text = text.replace("{territory: 30, neutrality: 1}", "{territory: 30, neutrality: 1, aid: 1}")
    path = tmp_path / "aid.yaml"
    path.write_text(text)
    return str(path)


def test_17_compare_refuses_other_dates_and_notes_other_issues(tmp_path):
    refused(["compare", M, "--variant", "horizon=2025-06-30", "-n", "10"], "different horizon")
    later = tmp_path / "later.yaml"
    later.write_text(MINI.read_text().replace("start: 2025-01-01", "start: 2025-02-01"))
    refused(["compare", M, str(later), "-n", "10"], "different start", "--set start=2025-01-01")
    out = tmp_path / "c"
    code, text, err = call(
        ["compare", M, _with_extra_issue(tmp_path), "-n", "50", "--out", str(out)]
    )
    assert code == 0, err
    assert "note: 'aid' and 'minimal' do not share the issue(s) aid" in text
    assert json.loads((out / "compare.json").read_text())["notes"] == [
        "'aid' and 'minimal' do not share the issue(s) aid; their terms are compared only on "
        "the issues they share"
    ]
