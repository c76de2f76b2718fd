"""Exercises of notebook 06."""
from __future__ import annotations

__all__ = ["EXERCISES"]

EXERCISES = []
