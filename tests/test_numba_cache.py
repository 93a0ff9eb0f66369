"""The kernel cache directories: one per source version, never pruned while another process may use them."""

from __future__ import annotations

import os
import time

from zkl import _numba_cache


def test_prune_keeps_recently_used_directories_of_other_versions(tmp_path) -> None:
    current = tmp_path / "current"
    current.mkdir()
    now = time.time()
    ages = {f"v{i}": days for i, days in enumerate([0, 1, 3, 13, 15, 30, 60])}
    for name, days in ages.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.nbi").write_text("x")
        os.utime(tmp_path / name, (now - days * 86400, now - days * 86400))
    _numba_cache._prune(tmp_path, current)
    left = {p.name for p in tmp_path.iterdir()}
    # the current one, everything used within _STALE_DAYS (another checkout running now), and the newest _KEEP
    assert left == {"current", "v0", "v1", "v2", "v3"}
    assert _numba_cache._STALE_DAYS == 14 and _numba_cache._KEEP == 3


def test_prune_keeps_the_newest_few_however_old(tmp_path) -> None:
    current = tmp_path / "current"
    current.mkdir()
    old = time.time() - 100 * 86400
    for i in range(5):
        (tmp_path / f"v{i}").mkdir()
        os.utime(tmp_path / f"v{i}", (old + i, old + i))
    _numba_cache._prune(tmp_path, current)
    assert {p.name for p in tmp_path.iterdir()} == {"current", "v2", "v3", "v4"}


def test_configure_marks_its_directory_used(tmp_path, monkeypatch) -> None:
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)  # restored after the test: the session keeps its cache
    monkeypatch.setenv("NUMBA_CACHE_DIR", os.environ.get("NUMBA_CACHE_DIR", ""))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("ZKL_NUMBA_CACHE_DIR", str(tmp_path))
    directory = tmp_path / _numba_cache.source_digest()
    directory.mkdir()
    os.utime(directory, (1, 1))
    assert _numba_cache.configure() == str(directory)
    assert directory.stat().st_mtime > time.time() - 60
