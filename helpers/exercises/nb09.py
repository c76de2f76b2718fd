"""Exercises of notebook 09."""
from __future__ import annotations

__all__ = ["EXERCISES"]

EXERCISES = []
