"""The record of .zkey files whose points passed the checks (zkl.prover._checked): hit, miss, tampering."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from zkl._binfile import BinFile
from zkl.bench.groth16 import densechain
from zkl.circuits.circom import write_wtns
from zkl.errors import MalformedInput
from zkl.prover import _checked, setup, write_zkey
from zkl.prover import zkey as zkey_module
from zkl.prover.zkey import read_zkey


@pytest.fixture(scope="module")
def key_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("zkey")
    r1cs, witness = densechain(6)
    write_zkey(setup(r1cs), out / "k.zkey")
    write_wtns(witness, out / "k.wtns")
    return out


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """ZKL_CACHE_DIR in tmp_path; a list that grows by one at every full point check."""
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ZKL_ZKEY_CHECK_CACHE", raising=False)
    calls = []
    real = zkey_module._validate

    def spy(*args):
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(zkey_module, "_validate", spy)
    return calls


def _flip_point_byte(src, dst, section=5, index=1):
    """Copy src to dst with one byte of the y coordinate of point `index` of a G1 section changed."""
    data = bytearray(src.read_bytes())
    pos, _ = BinFile(src, b"zkey", 2).section(section, "points")
    data[pos + 64 * index + 32] ^= 0x01
    dst.write_bytes(bytes(data))


def test_checked_once_then_remembered(key_files, counted):
    path = key_files / "k.zkey"
    first = read_zkey(path)
    assert len(counted) == 1
    digest = _checked.digest(path.read_bytes())
    assert _checked.known(digest) and _checked.entry(digest).is_file()
    second = read_zkey(path)
    assert len(counted) == 1  # remembered: no second point check
    assert np.array_equal(first.a_query, second.a_query) and first.vk == second.vk
    read_zkey(path, check_cache=False)
    assert len(counted) == 2  # disabled: checked again


def test_modified_file_checked_again(key_files, counted, tmp_path):
    good = key_files / "k.zkey"
    read_zkey(good)
    assert len(counted) == 1
    bad = tmp_path / "bad.zkey"
    _flip_point_byte(good, bad)
    with pytest.raises(MalformedInput, match="A section"):
        read_zkey(bad)
    assert len(counted) == 2
    assert not _checked.known(_checked.digest(bad.read_bytes()))
    with pytest.raises(MalformedInput, match="A section"):  # still refused: a failure is never recorded
        read_zkey(bad)
    # the same bytes under the good file's name: checked, refused
    good_copy = tmp_path / "k.zkey"
    good_copy.write_bytes(bad.read_bytes())
    with pytest.raises(MalformedInput):
        read_zkey(good_copy)


def test_structure_checked_on_a_hit(key_files, counted, tmp_path):
    """A remembered digest skips the point checks only: a truncated file (another digest anyway) is refused."""
    good = key_files / "k.zkey"
    read_zkey(good)
    short = tmp_path / "short.zkey"
    short.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(Exception, match="section|bytes"):
        read_zkey(short)


def test_environment_disables(key_files, counted, monkeypatch):
    monkeypatch.setenv("ZKL_ZKEY_CHECK_CACHE", "0")
    read_zkey(key_files / "k.zkey")
    read_zkey(key_files / "k.zkey")
    assert len(counted) == 2
    assert not _checked.known(_checked.digest((key_files / "k.zkey").read_bytes()))


def test_cli_prove_rejects_bad_point_after_good_run(key_files, counted, tmp_path):
    from zkl.commands.groth16 import command

    runner = CliRunner()
    args = [str(key_files / "k.wtns"), str(tmp_path / "proof.json"), str(tmp_path / "public.json"), "--json"]
    ok = runner.invoke(command, ["prove", str(key_files / "k.zkey"), *args])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(command, ["prove", str(key_files / "k.zkey"), *args])
    assert again.exit_code == 0 and json.loads(again.output)["n_public"] == 1
    assert len(counted) == 1
    _flip_point_byte(key_files / "k.zkey", tmp_path / "bad.zkey", section=6, index=2)
    bad = runner.invoke(command, ["prove", str(tmp_path / "bad.zkey"), *args])
    assert bad.exit_code == 2 and "B1 section" in bad.output
    forced = runner.invoke(command, ["prove", str(key_files / "k.zkey"), "--no-key-cache", *args])
    assert forced.exit_code == 0 and len(counted) == 3
