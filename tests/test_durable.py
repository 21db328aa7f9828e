"""fsync helpers (themoon.durable)."""

from __future__ import annotations

import os

import pytest

from themoon import durable


def test_fsync_file_and_its_directory(tmp_path, monkeypatch):
    target = tmp_path / "x.bin"
    target.write_bytes(b"data")
    synced = []
    real = os.fsync
    monkeypatch.setattr(durable.os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real(fd)))
    durable.fsync_file(target)
    durable.fsync_dir(tmp_path)
    assert synced == [str(target), str(tmp_path)]


def test_a_missing_file_is_an_error_a_missing_directory_is_not(tmp_path):
    with pytest.raises(FileNotFoundError):
        durable.fsync_file(tmp_path / "gone")
    durable.fsync_dir(tmp_path / "gone")  # nothing to make durable
