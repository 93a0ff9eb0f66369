"""Shared pytest fixtures: seeded random sources, so every test run draws the same data."""

from __future__ import annotations

import random

import numpy as np
import pytest


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
    """On a large run (CI), compile every numba kernel first in parallel worker processes (zkl warmup)."""
    if len(request.session.items) < 200:
        return  # a few files: compile lazily, only what they use
    from zkl.warmup import ensure_warm

    ensure_warm(progress=False)
