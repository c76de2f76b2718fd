"""Environment check for notebook 00: is everything the course needs installed, at the pinned version?

Reads the pins from ``requirements.txt`` (the single source of truth) and compares them with what is
installed, without importing the packages themselves.
"""
from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["REQUIREMENTS", "parse_requirements", "PackageStatus", "check_environment",
           "environment_report", "MIN_PYTHON"]

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
MIN_PYTHON = (3, 10)

_LINE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)\s*(?:;\s*(.*?))?\s*(?:#.*)?$")
_MARKER = re.compile(r"""^python_version\s*(<|<=|>=|>|==)\s*["'](\d+)\.(\d+)["']$""")


def _marker_holds(marker: str | None, version=None) -> bool:
    """Evaluate the only environment marker the course uses: python_version <op> "X.Y"."""
    if not marker:
        return True
    m = _MARKER.match(marker.strip())
    if not m:
        raise ValueError(f"requirements: unsupported marker {marker!r}; "
                         "only python_version comparisons are used")
    op, want = m.group(1), (int(m.group(2)), int(m.group(3)))
    have = tuple(version or sys.version_info[:2])
    return {"<": have < want, "<=": have <= want, ">=": have >= want,
            ">": have > want, "==": have == want}[op]


def parse_requirements(path=REQUIREMENTS, python_version=None) -> dict:
    """The ``name == version`` pins that apply to ``python_version`` (default: this interpreter).

    Returns: {normalised package name: pinned version}
    """
    pins = {}
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise ValueError(f"requirements: expected 'name==version[; marker]', got {raw!r}")
        name, version, marker = m.groups()
        if _marker_holds(marker, python_version):
            pins[_normalise(name)] = version
    return pins


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class PackageStatus:
    name: str
    pinned: str
    installed: str | None

    @property
    def ok(self) -> bool:
        return self.installed == self.pinned


def check_environment(path=REQUIREMENTS) -> list:
    """One PackageStatus per pinned package, in requirements order."""
    out = []
    for name, pinned in parse_requirements(path).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        out.append(PackageStatus(name, pinned, installed))
    return out


def environment_report(path=REQUIREMENTS) -> str:
    """A readable report: Python version, then each package as installed vs pinned, then advice."""
    course_venv = Path(sys.prefix).resolve() == (REQUIREMENTS.parent / ".venv").resolve()
    where = "the course's .venv" if course_venv else "an environment other than the course's .venv"
    lines = [f"Python {platform.python_version()}, running in {where}"]
    if sys.version_info[:2] < MIN_PYTHON:
        lines.append(f"  ✗ the course needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer")
    statuses = check_environment(path)
    width = max(len(s.name) for s in statuses)
    for s in statuses:
        if s.installed is None:
            mark, note = "✗", "MISSING"
        elif s.ok:
            mark, note = "✓", s.installed
        else:
            mark, note = "!", f"{s.installed} (course pins {s.pinned})"
        lines.append(f"  {mark} {s.name:<{width}}  {note}")
    missing = [s.name for s in statuses if s.installed is None]
    other = [s.name for s in statuses if s.installed is not None and not s.ok]
    if missing:
        lines.append("Missing packages: " + ", ".join(missing) + ". Run `make lab` (or "
                     "`pip install -r requirements.txt`) from the course folder, then restart the kernel.")
    elif other:
        lines.append("Everything is installed; some versions differ from the pins. That usually works, "
                     "but if a cell misbehaves, install the pinned versions with `make lab`.")
    else:
        lines.append("Everything the course needs is installed at the pinned versions.")
    return "\n".join(lines)
