"""Exercises of notebook 04."""
from __future__ import annotations

__all__ = ["EXERCISES"]

EXERCISES = []
