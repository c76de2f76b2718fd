"""Command line: grade notebook files, show a learner's progress, list the exercises.

    python -m helpers.exercises grade FILE [FILE ...]   one line per exercise of each notebook; exit status 1
                                                        if any attempted exercise fails (0 otherwise)
    python -m helpers.exercises progress [DIR]          every exercise of the course, from the notebooks in DIR
    python -m helpers.exercises list                    the exercises, their notebooks and titles

The files are read, never modified. Exit status 2: a file that is not a course notebook.
"""
from __future__ import annotations

import argparse
import sys

from . import EXERCISES
from .grading import course_progress, format_grades, grade_notebook


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.exercises", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="grade notebook files (never modified)")
    grade.add_argument("files", nargs="+")
    grade.add_argument("--timeout", type=int, default=120, help="seconds a cell may run (default 120)")
    progress = sub.add_parser("progress", help="every exercise of the course, from the saved notebooks")
    progress.add_argument("notebooks_dir", nargs="?")
    sub.add_parser("list", help="the exercises of the course")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for e in EXERCISES.values():
                print(f"{e.id:<6}{e.function_name:<28}{e.title}")
            return 0
        if args.command == "progress":
            grades = course_progress(args.notebooks_dir)
        else:
            grades = []
            for path in args.files:
                found = grade_notebook(path, timeout=args.timeout)
                print(f"{path}")
                print(format_grades(found))
                grades += found
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 1 if any(g.status == "failing" for g in grades) else 0


if __name__ == "__main__":
    sys.exit(main())
