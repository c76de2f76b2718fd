"""Exercises of notebook 10."""
from __future__ import annotations

__all__ = ["EXERCISES"]

EXERCISES = []
