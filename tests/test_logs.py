"""Logs: one grep-friendly key=value line per event, rotated by size and count from the
environment, shared safely by several processes."""

from __future__ import annotations

import json
import logging
import multiprocessing
import re
from pathlib import Path

import pytest

from themoon.ops import logs

PAIR = re.compile(r'([a-z0-9_.]+)=("(?:[^"\\]|\\.)*"|\S+)')


def parse_line(line: str) -> dict[str, str]:
    fields = {}
    rest = line
    for match in PAIR.finditer(line):
        key, raw = match.groups()
        fields[key] = json.loads(raw) if raw.startswith('"') else raw
        rest = rest.replace(match.group(0), "", 1)
    assert rest.strip() == "", f"not key=value: {rest!r} in {line!r}"
    return fields


def lines_of(directory: Path) -> list[str]:
    files = sorted(directory.glob("themoon.log*"), key=lambda p: p.name)
    return [line for f in files if not f.name.endswith(".lock") for line in f.read_text().splitlines()]


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    for name in ("LOG_LEVEL", "THEMOON_LOG_DIR", "THEMOON_LOG_MAX_BYTES", "THEMOON_LOG_BACKUPS", "THEMOON_LOG_STDERR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path / "data"))
    yield
    logs.reset()


def test_one_line_per_event_in_key_value_form(tmp_path):
    logs.setup(directory=tmp_path, force=True)
    logs.event(
        "backup.created",
        path="/srv/the moon/backups/x.db",
        note='he said "hi"\nand left',
        rows=1220,
        seconds=0.1234567,
        ok=True,
        missing=None,
        name_ko="마사이 원두",
    )
    lines = (tmp_path / "themoon.log").read_text().splitlines()
    assert len(lines) == 1
    fields = parse_line(lines[0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", fields["ts"])
    assert fields["level"] == "INFO" and fields["logger"] == "themoon" and fields["pid"].isdigit()
    assert fields["event"] == "backup.created"
    assert fields["path"] == "/srv/the moon/backups/x.db"
    assert fields["note"] == 'he said "hi"\nand left'
    assert fields["rows"] == "1220" and fields["seconds"] == "0.123457" and fields["ok"] == "true"
    assert fields["missing"] == "-" and fields["name_ko"] == "마사이 원두"
    assert "마사이" in lines[0]  # readable, not \u-escaped


def test_log_write_records_who_did_what(tmp_path):
    logs.setup(directory=tmp_path, force=True)
    logs.log_write("minji", "create", "roast_batch", 42)
    logs.log_write("owner", "delete", "purchase", 7, reason="typo")
    first, second = (parse_line(line) for line in lines_of(tmp_path))
    assert first["event"] == "write" and first["logger"] == "themoon.store"
    assert (first["user"], first["action"], first["entity"], first["entity_id"]) == (
        "minji",
        "create",
        "roast_batch",
        "42",
    )
    assert second["reason"] == "typo"
    assert len([line for line in lines_of(tmp_path) if "user=minji" in line]) == 1  # grep works


def test_plain_messages_and_tracebacks_stay_on_one_line(tmp_path):
    logs.setup(directory=tmp_path, force=True)
    log = logging.getLogger("themoon.ui")
    log.info("saved %d batches", 3)
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.exception("could not save")
    logs.event("reserved.keys", level_="x", event_="y", ts="z")
    info, error, reserved = (parse_line(line) for line in lines_of(tmp_path))
    assert info["event"] == "log" and info["msg"] == "saved 3 batches" and info["logger"] == "themoon.ui"
    assert error["level"] == "ERROR" and "ValueError: bad\nvalue" in error["exc"] and "Traceback" in error["exc"]
    assert reserved["event"] == "reserved.keys" and reserved["ts_"] == "z"


def test_log_level_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "warning")
    logs.setup(directory=tmp_path, force=True)
    logs.event("quiet")
    logs.event("loud", logging.WARNING)
    assert [parse_line(line)["event"] for line in lines_of(tmp_path)] == ["loud"]
    monkeypatch.setenv("LOG_LEVEL", "nonsense")
    assert logs.setup(directory=tmp_path, force=True).level == logging.INFO


def test_directory_size_and_count_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("THEMOON_LOG_MAX_BYTES", "2000")
    monkeypatch.setenv("THEMOON_LOG_BACKUPS", "2")
    logs.setup(force=True)
    for i in range(200):
        logs.event("tick", n=i)
    directory = tmp_path / "logs"
    assert logs.log_file() == directory / "themoon.log"
    assert sorted(p.name for p in directory.glob("themoon.log*") if not p.name.endswith(".lock")) == [
        "themoon.log",
        "themoon.log.1",
        "themoon.log.2",
    ]
    for f in directory.glob("themoon.log*"):
        assert f.stat().st_size <= 2000
    newest = [int(parse_line(line)["n"]) for line in (directory / "themoon.log").read_text().splitlines()]
    assert newest[-1] == 199


def test_default_directory_is_under_the_data_directory(tmp_path):
    logs.setup(force=True)
    logs.event("hello")
    assert (tmp_path / "data" / "logs" / "themoon.log").read_text().count("event=hello") == 1


def test_an_unwritable_directory_falls_back_to_stderr(tmp_path, capfd):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    logs.setup(directory=blocker / "logs", force=True)
    logs.event("still.logged", logging.WARNING)
    err = capfd.readouterr().err  # the process's real stderr: in a kernel sys.stderr is the page
    assert "event=log.fallback" in err and "event=still.logged" in err


def test_stderr_copy_on_request(tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("THEMOON_LOG_STDERR", "1")
    logs.setup(directory=tmp_path, force=True)
    logs.event("twice")
    assert "event=twice" in capfd.readouterr().err
    assert "event=twice" in (tmp_path / "themoon.log").read_text()


def _log_many(directory: str, worker: int, count: int) -> None:
    logs.setup(directory=directory, max_bytes=8000, backups=1000, force=True)
    for i in range(count):
        logs.event("tick", worker=worker, n=i, pad="x" * 40)


def test_several_processes_share_one_rotating_log(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    workers, count = 4, 300
    procs = [ctx.Process(target=_log_many, args=(str(tmp_path), w, count)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * workers
    seen = sorted((int(f["worker"]), int(f["n"])) for f in map(parse_line, lines_of(tmp_path)))
    assert seen == sorted((w, n) for w in range(workers) for n in range(count))  # none lost, none doubled
    files = [f for f in tmp_path.glob("themoon.log*") if not f.name.endswith(".lock")]
    assert len(files) > 5  # it did rotate, many times, from several processes
    # a file may overshoot by a line per process: each checks the size, then appends
    line = max(len(x.encode()) + 1 for x in lines_of(tmp_path))
    assert all(f.stat().st_size <= 8000 + workers * line for f in files)
