"""Where jobs run: a local process pool or a Dask cluster, shared by run, sweep, compare and sensitivity."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Any

from ..errors import RunError, UsageError
from .limits import cap_workers

__all__ = [
    "SchedulerUnreachable",
    "dask_client",
    "map_unordered",
    "process_pool",
    "require_dask",
    "stop_pool",
]

SCHEDULER_TIMEOUT_S = 5  # seconds to wait for a Dask scheduler before giving up
# Dask's own timeout covers the TCP connection but not its handshake: a port that accepts
# and never answers would hold the client for ever, so the whole connection (connect,
# handshake, first exchange) runs under this deadline too.
CONNECT_DEADLINE_S = SCHEDULER_TIMEOUT_S + 3

# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also pins glibc's
# mmap threshold: every engine temporary of a few MB is then mmap'ed and page-faulted
# afresh, and a sweep point ran 2.3x slower than in a plain process (0.54 s vs 0.23 s
# measured here). Serving such blocks from the heap again restores the local speed.
WORKER_MMAP_SETTING = "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_"
WORKER_MMAP_THRESHOLD = 64 * 2**20  # bytes


class SchedulerUnreachable(RunError):
    """The Dask scheduler given with ``--scheduler`` cannot be reached."""


def _quiet_worker() -> None:
    """In each worker: Ctrl-C is the parent's to handle (it stops the pool), and SIGTERM
    simply ends the process, so an interrupted run prints no worker tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Pool(ProcessPoolExecutor):
    """A ProcessPoolExecutor whose results pipe reports the end of its workers.

    The parent keeps the write end of the pipe the workers send results on, so a worker
    ended (by ``stop_pool``) while it was sending a large result leaves a partial message
    that the pool's manager thread waits for forever, and ``shutdown`` with it: the
    intermittent hang of Ctrl-C with two busy workers. The parent never writes there, so it
    closes its end once the workers are forked (all at the first submit, with "fork");
    when the workers are gone the manager then reads end-of-file, marks the pool broken
    and lets go."""

    def _start_executor_manager_thread(self) -> None:
        super()._start_executor_manager_thread()
        spawns_later = getattr(self, "_safe_to_dynamically_spawn_children", True)
        writer = getattr(getattr(self, "_result_queue", None), "_writer", None)
        recycles = getattr(self, "_max_tasks_per_child", None) is not None
        if writer is not None and not spawns_later and not recycles:
            writer.close()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local pool of ``workers`` processes, forked so that they start at once with the
    parent's modules and data (no re-import, no pickling of the scenario's compiled form)."""
    import multiprocessing as mp

    return _Pool(max_workers=workers, mp_context=mp.get_context("fork"), initializer=_quiet_worker)


def stop_pool(pool: Executor, interrupted: bool) -> None:
    """Shut ``pool`` down; when ``interrupted``, end its workers now instead of waiting for
    the jobs they are running."""
    if interrupted:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, AttributeError):
                proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def require_dask() -> None:
    """UsageError unless dask.distributed can be imported: the one check every use of
    ``--scheduler`` (or ``scheduler=``) goes through, before anything runs."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install -e '.[dask]'") from None


def _connect(addr: str) -> Any:
    """A Client of the scheduler at ``addr``, or SchedulerUnreachable within
    CONNECT_DEADLINE_S: the client is made in a daemon thread that is abandoned (and ends
    when the other side closes) if the scheduler does not answer in time."""
    import threading

    from distributed import Client

    box: dict[str, Any] = {}

    def make() -> None:
        try:
            box["client"] = Client(addr, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except Exception as e:  # refused, timed out, or not a Dask scheduler at all
            box["error"] = e

    t = threading.Thread(target=make, name="sim-dask-connect", daemon=True)
    t.start()
    t.join(CONNECT_DEADLINE_S)
    if "client" in box:
        return box["client"]
    if "error" in box:
        why = f"within {SCHEDULER_TIMEOUT_S} s ({type(box['error']).__name__})"
    else:
        why = f"(it accepted the connection but did not answer within {CONNECT_DEADLINE_S} s)"
    raise SchedulerUnreachable(
        f"cannot reach the Dask scheduler at {addr} {why}; is 'dask scheduler' running there?"
    )


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int = 1) -> Iterator[Any]:
    """A dask.distributed Client: ``"local"`` starts a LocalCluster (processes, loopback)."""
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler == "local":
        import dask

        with dask.config.set({WORKER_MMAP_SETTING: str(WORKER_MMAP_THRESHOLD)}):
            cluster = LocalCluster(
                n_workers=cap_workers(workers, workers),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    addr = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    client = _connect(addr)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):  # a scheduler gone silent: close within its timeout
            client.close(timeout=SCHEDULER_TIMEOUT_S)


def map_unordered(
    fn: Callable[[Any], Any],
    jobs: dict[int, Any],
    workers: int,
    scheduler: Any,
    executor: Executor | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (key, fn(job)) as each job finishes, in the caller's process (one worker), a local
    pool of ``workers`` processes, on ``scheduler`` (an address or a dask Client), or on
    ``executor`` (any concurrent.futures Executor the caller owns). Every study and every
    run's chunks go through here."""
    if not jobs:
        return
    if executor is not None:
        efuts = {executor.submit(fn, job): k for k, job in jobs.items()}
        for f in as_completed(efuts):
            yield efuts[f], f.result()
        return
    if scheduler is not None:
        cm = (
            dask_client(scheduler, workers)
            if isinstance(scheduler, str)
            else contextlib.nullcontext(scheduler)
        )
        with cm as client:
            from distributed import as_completed as dask_completed

            futs = {
                client.submit(fn, job, pure=False, key=f"sim-point-{k}-{os.getpid()}-{id(jobs)}"): k
                for k, job in jobs.items()
            }
            try:
                for f in dask_completed(list(futs)):
                    yield futs[f], f.result()
            finally:
                client.cancel(list(futs))
        return
    workers = cap_workers(workers, len(jobs))
    if workers <= 1:
        for k, job in jobs.items():
            yield k, fn(job)
        return
    pool: Executor = process_pool(workers)
    interrupted = True
    try:
        pfuts = {pool.submit(fn, job): k for k, job in jobs.items()}
        for f in as_completed(pfuts):
            yield pfuts[f], f.result()
        interrupted = False
    finally:
        stop_pool(pool, interrupted)
