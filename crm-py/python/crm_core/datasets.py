"""Deterministic synthetic sample data (placeholder)."""

from __future__ import annotations

from . import _native


def sample_store(customers: int = 1000, seed: int = 42):  # type: ignore[no-untyped-def]
    """Generates a store."""
    return _native.sample_store(customers=customers, seed=seed)
