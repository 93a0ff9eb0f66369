"""The kernel cache (a directory per version of the kernel sources) and `zkl warmup`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkl import _numba_cache, warmup
from zkl.cli import main


def _configure_in_subprocess(env: dict[str, str]) -> str:
    """NUMBA_CACHE_DIR and numba's config.CACHE_DIR as a fresh interpreter sees them after `import zkl`."""
    code = ("import os, zkl\nfrom numba.core import config\n"
            "print(os.environ.get('NUMBA_CACHE_DIR', ''), config.CACHE_DIR, sep='|')")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_cache_directory_is_named_by_the_source_digest(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["ZKL_NUMBA_CACHE_DIR"] = str(tmp_path)
    for i in range(5):  # directories of older source versions unused for weeks: only the newest few are kept
        old = tmp_path / f"old{i}"
        old.mkdir()
        os.utime(old, (time.time() - 86400 * (20 + i),) * 2)
    env_dir, config_dir = _configure_in_subprocess(env).split("|")
    expected = str(tmp_path / _numba_cache.source_digest())
    assert env_dir == expected and config_dir == expected
    assert Path(expected).is_dir()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("old")) == ["old0", "old1", "old2"]


def test_user_cache_directory_wins(tmp_path: Path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "mine")}
    env_dir, config_dir = _configure_in_subprocess(env).split("|")
    assert env_dir == str(tmp_path / "mine") and config_dir == str(tmp_path / "mine")


def test_digest_changes_with_any_kernel_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    b.write_text("from numba import njit\n")
    monkeypatch.setattr(_numba_cache, "_PACKAGE", tmp_path)
    monkeypatch.setattr(_numba_cache, "_sources", lambda: [a, b])
    first = _numba_cache.source_digest()
    assert _numba_cache.source_digest() == first
    b.write_text("from numba import njit  # edited\n")
    assert _numba_cache.source_digest() != first
    b.write_text("from numba import njit\n")
    assert _numba_cache.source_digest() == first


def test_kernel_sources_cover_the_algebra_and_every_numba_module() -> None:
    names = {str(p.relative_to(_numba_cache._PACKAGE)) for p in _numba_cache._sources()}
    assert {"algebra/constants.py", "algebra/_kernels/mont_ir.py", "prover/_kernels.py",
            "verifier/_kernels.py", "circuits/_kernels.py"} <= names
    assert "devnet.py" not in names and "warmup.py" not in names  # editing them keeps the compiled kernels


def test_warmup_command_runs_every_step_and_marks_the_cache() -> None:
    result = CliRunner().invoke(main, ["warmup", "--jobs", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert set(report["steps_s"]) == {name for name, _ in warmup.STEPS}
    assert report["wall_s"] > 0 and report["cpu_s"] > 0
    assert warmup.is_warm()
    assert warmup.ensure_warm(progress=False) is None  # warm: nothing to do


def test_warmup_rejects_a_bad_job_count() -> None:
    result = CliRunner().invoke(main, ["warmup", "--jobs", "0"])
    assert result.exit_code != 0 and "jobs" in result.output.lower()


def test_a_warmup_of_some_steps_marks_those_and_the_rest_follow_later(tmp_path, monkeypatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(warmup, "STEPS", [("a", lambda: ran.append("a")), ("b", lambda: ran.append("b"))])
    monkeypatch.setattr(warmup, "_marker", lambda: tmp_path / "zkl-warmup.done")
    assert not warmup.is_warm() and not warmup.is_warm(["a"])
    assert set(warmup.ensure_warm(progress=False, jobs=1, steps=["a"])) == {"a"} and ran == ["a"]
    assert warmup.is_warm(["a"]) and not warmup.is_warm()
    assert warmup.ensure_warm(progress=False, jobs=1, steps=["a"]) is None  # nothing to do
    assert set(warmup.ensure_warm(progress=False, jobs=1)) == {"b"} and ran == ["a", "b"]  # only the missing one
    assert warmup.is_warm() and set(warmup._warm_steps()) == {"a", "b"}
    with pytest.raises(ValueError, match="no warmup step 'c'"):
        warmup.is_warm(["c"])


def test_the_warmup_command_refuses_an_unknown_step() -> None:
    result = CliRunner().invoke(main, ["warmup", "--steps", "ntt,nosuch"])
    assert result.exit_code == 2 and "no warmup step 'nosuch'" in result.output
