"""Shared pytest options and fixtures: seeded random sources, and the optional parallel kernel warm-up."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """--warm: compile every numba kernel first, on all cores (what CI does on its cold cache)."""
    parser.addoption("--warm", action="store_true", default=os.environ.get("ZKL_WARM") == "1",
                     help="compile every numba kernel in parallel worker processes before the tests (zkl warmup); "
                          "also ZKL_WARM=1")


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy Generator with a fixed seed."""
    return np.random.default_rng(20240601)


@pytest.fixture
def pyrng() -> random.Random:
    """A Python random.Random with a fixed seed (for random ints of any size)."""
    return random.Random(20240601)


@pytest.fixture(scope="session", autouse=True)
def _warm_kernels(request: pytest.FixtureRequest) -> None:
    """With --warm, compile every numba kernel first in parallel worker processes (zkl warmup)."""
    if not request.config.getoption("--warm"):
        return  # compile lazily, only what the selected tests use
    from zkl.warmup import ensure_warm

    ensure_warm(progress=False)
