"""Exercises of notebook 08."""
from __future__ import annotations

__all__ = ["EXERCISES"]

EXERCISES = []
