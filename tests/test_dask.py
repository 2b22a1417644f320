"""A real Dask cluster on loopback (scheduler + two worker processes) gives the local results."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

import importlib

sw = importlib.import_module("sim.studies.sweep")  # the module (sim.sweep is also the function)

ROOT = Path(__file__).resolve().parents[1]
BASE = "scenarios/baseline.yaml"
PRIOR = "actors.russia.stalling.prior"
START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with Client(address, timeout="5s") as c:
                c.wait_for_workers(n, timeout=max(1.0, deadline - time.monotonic()))
                return
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise


@pytest.fixture
def cluster(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs: list[subprocess.Popen[bytes]] = []
    log = open(tmp_path / "dask.log", "wb")
    try:
        procs.append(
            subprocess.Popen(
                [*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tmp_path,
                start_new_session=True,
            )
        )
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=tmp_path,
                    start_new_session=True,
                )
            )
        _wait_for_workers(address, 2)
        yield address
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)
        log.close()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_a_sweep_on_a_real_dask_cluster_matches_the_local_pool(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = dict(replicates=200, seed=4, figures=False)
    local = sw.sweep(BASE, [f"{PRIOR}=0:1:4"], out=tmp_path / "local", workers=2, **args)
    remote = sw.sweep(BASE, [f"{PRIOR}=0:1:4"], out=tmp_path / "dask", scheduler=cluster, **args)
    pd.testing.assert_frame_equal(local.table, remote.table)
    assert (tmp_path / "local" / "sweep.parquet").read_bytes() == (
        tmp_path / "dask" / "sweep.parquet"
    ).read_bytes()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_a_single_run_split_by_chunk_on_dask_matches_one_process(
    cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim

    monkeypatch.chdir(ROOT)
    s = sim.load_scenario(BASE)
    one = sim.run(s, replicates=600, seed=2, chunk_size=200)
    with sw.dask_client(cluster) as client:
        ex = client.get_executor()
        on_dask = sim.run(s, replicates=600, seed=2, chunk_size=200, executor=ex)
    pd.testing.assert_frame_equal(one.outcomes, on_dask.outcomes)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_sim_run_with_a_scheduler_writes_the_same_outcomes_as_a_local_run(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.cli import main
    from sim.output.results import Results

    monkeypatch.chdir(ROOT)
    common = [BASE, "-n", "300", "--seed", "8", "--no-report", "--quiet", "--trace", "0"]
    assert main(["run", *common, "--out", str(tmp_path / "local")]) == 0
    assert main(["run", *common, "--out", str(tmp_path / "dask"), "--scheduler", cluster]) == 0
    a, b = Results.load(tmp_path / "local"), Results.load(tmp_path / "dask")
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)


def test_sim_run_with_an_unreachable_scheduler_fails_fast_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.cli import main

    monkeypatch.chdir(ROOT)
    port = _free_port()  # nothing listens there
    t0 = time.monotonic()
    rc = main(
        [
            "run",
            BASE,
            "-n",
            "10",
            "--out",
            str(tmp_path / "x"),
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
        ]
    )
    assert rc == 2
    assert time.monotonic() - t0 < 15
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "scheduler" in err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_a_calibration_on_a_real_dask_cluster_matches_the_local_pool(
    cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.studies.calibrate import calibrate

    monkeypatch.chdir(ROOT)
    cases = [f"scenarios/history/{c}.yaml" for c in ("korea_1951", "kargil_1999")]
    grid = ["pressures.battlefield.signed_after_decision=0:1:2"]
    local = calibrate(cases, grid, replicates=100, seed=3, workers=2, report=False)
    remote = calibrate(cases, grid, replicates=100, seed=3, scheduler=cluster, report=False)
    pd.testing.assert_frame_equal(local.table(), remote.table())
    assert local.best == remote.best and len(local.rows) == 4  # 2 points x 2 cases


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_a_hindcast_on_a_real_dask_cluster_matches_the_local_pool(
    cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.studies.hindcast import hindcast

    monkeypatch.chdir(ROOT)
    cases = [f"scenarios/history/{c}.yaml" for c in ("korea_1951", "kargil_1999")]
    local = hindcast(cases, replicates=100, seed=3, workers=2)
    remote = hindcast(cases, replicates=100, seed=3, scheduler=cluster)
    assert local.cases == remote.cases  # forecasts, scores, CDFs: bit for bit


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_sim_compare_with_a_scheduler_gives_the_local_comparison(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from sim.cli import main

    monkeypatch.chdir(ROOT)
    common = ["compare", BASE, "--variant", f"{PRIOR}=0", "-n", "300", "--seed", "2", "--quiet"]
    assert main([*common, "--no-report", "--out", str(tmp_path / "local")]) == 0
    assert main([*common, "--no-report", "--scheduler", cluster, "--out", str(tmp_path / "d")]) == 0
    a, b = (json.loads((tmp_path / f / "compare.json").read_text()) for f in ("local", "d"))
    assert a["differences"] == b["differences"] and a["scenarios"] == b["scenarios"]
