"""The tabs' background-job helper: work in a worker thread, progress from there, the end back on
the kernel's thread (its event loop, else `wait()`), one job at a time, failures logged and handed
back, never raised into a callback."""

from __future__ import annotations

import asyncio
import threading

import pytest

from themoon.ui import jobs
from themoon.ui.jobs import Jobs


def test_the_work_runs_in_a_daemon_thread_and_its_result_comes_back_on_wait():
    job = Jobs("test")
    seen: dict[str, object] = {}

    def work(progress):
        seen["worker"] = threading.current_thread()
        for i in range(1, 4):
            progress(i, 3)
        return 42

    steps: list[tuple[int, int]] = []
    assert job.start(
        work,
        done=lambda r: seen.update(result=r, thread=threading.current_thread()),
        progress=lambda d, t: steps.append((d, t)),
    )
    assert job.thread is not None and job.thread.daemon
    job.thread.join(30)
    assert "result" not in seen and job.busy  # no loop: the end waits for this thread
    job.wait()
    assert seen["result"] == 42 and seen["thread"] is threading.current_thread()
    assert seen["worker"] is not threading.current_thread()
    assert steps == [(1, 3), (2, 3), (3, 3)] and not job.busy


def test_one_job_at_a_time():
    job = Jobs("test")
    release = threading.Event()
    results: list[str] = []
    assert job.start(lambda _p: release.wait(30) and "first", done=results.append)
    assert job.busy
    assert not job.start(lambda _p: "second", done=results.append)  # refused while running
    release.set()
    job.wait()
    assert results == ["first"] and not job.busy
    assert job.start(lambda _p: "third", done=results.append)  # positive control: free again
    job.wait()
    assert results == ["first", "third"]


def test_the_end_comes_back_on_the_event_loop():
    job = Jobs("test")
    seen: list[str] = []

    async def main() -> None:
        job.start(lambda _p: "x", done=lambda r: seen.append(threading.current_thread().name + ":" + r))
        for _ in range(600):
            if not job.busy:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("never finished")

    asyncio.run(main())
    assert seen == [threading.main_thread().name + ":x"] and job._queue == []


def test_a_failure_is_logged_and_handed_to_failed(monkeypatch):
    logged: list[str] = []
    monkeypatch.setattr(jobs, "report_unexpected", lambda where, user: logged.append(where))
    job = Jobs("test", user=lambda: "owner")
    errors: list[BaseException] = []
    done: list[object] = []

    def broken(_progress):
        raise RuntimeError("disk on fire")

    job.start(broken, done=done.append, failed=errors.append)
    job.wait()
    assert [type(e) for e in errors] == [RuntimeError] and not done and logged == ["test.worker"]
    assert not job.busy


def test_a_crash_in_done_is_logged_and_unlocks(monkeypatch):
    logged: list[str] = []
    monkeypatch.setattr(jobs, "report_unexpected", lambda where, user: logged.append(where))
    job = Jobs("test")
    crashed: list[bool] = []
    job.crashed = lambda: crashed.append(True)

    def bad_done(_result):
        raise ValueError("oops")

    job.start(lambda _p: 1, done=bad_done)
    job.wait()  # never raises into the caller
    assert logged == ["test.finish"] and crashed == [True] and not job.busy


def test_wait_times_out_on_a_stuck_job():
    job = Jobs("test")
    release = threading.Event()
    job.start(lambda _p: release.wait(30), done=lambda _r: None)
    with pytest.raises(TimeoutError):
        job.wait(timeout=0.05)
    release.set()
    job.wait()
    assert not job.busy
