"""Exercises of notebook 01."""
from __future__ import annotations

__all__ = ["EXERCISES"]

EXERCISES = []
