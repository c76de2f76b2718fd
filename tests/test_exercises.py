"""The exercises' contract: every check passes its reference, reads an untouched stub as not attempted, explains
typical wrong answers, survives anything a learner's function does, and the stored notebooks hold the stubs."""
import ast
import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from helpers.exercises import EXERCISES, check, check_exercise, exercises_of, show_solution
from helpers.exercises.core import CheckResult, make_stub
from helpers.exercises.grading import find_exercise_cells

ROOT = Path(__file__).resolve().parent.parent
IDS = sorted(EXERCISES)


def _not_implemented(*_):
    raise NotImplementedError


def test_every_notebook_from_01_has_two_to_four_exercises():
    per_notebook = {f"{n:02d}": len(exercises_of(f"{n:02d}")) for n in range(1, 12)}
    assert all(2 <= k <= 4 for k in per_notebook.values()), per_notebook
    assert sum(per_notebook.values()) >= 30
    assert all(e.id == f"{e.notebook}.{i + 1}" for n in per_notebook for i, e in enumerate(exercises_of(n)))


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_solution_passes(exercise_id):
    result = check(exercise_id, EXERCISES[exercise_id].solution)
    assert isinstance(result, CheckResult)
    assert result.passed and result.attempted and result.status == "done", result.message
    assert result.message.startswith(f"✓ {exercise_id}")


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_stub_has_the_solutions_signature_and_reads_as_not_attempted(exercise_id):
    exercise = EXERCISES[exercise_id]
    stub = ast.parse(exercise.stub).body
    solution = ast.parse(inspect.getsource(exercise.solution).strip()).body[0]
    assert len(stub) == 1 and isinstance(stub[0], ast.FunctionDef) and stub[0].name == exercise.function_name
    assert ast.dump(stub[0].args) == ast.dump(solution.args)
    body = stub[0].body
    assert ast.get_docstring(stub[0]) == ast.get_docstring(solution)  # the statement of the shapes and equation
    assert isinstance(body[-1], ast.Raise) and ast.unparse(body[-1].exc) == "NotImplementedError"
    assert len(body) == 2  # the docstring and the raise: nothing of the solution leaks into the stub
    assert exercise.stub == make_stub(exercise.solution, exercise.stub.split("    # ", 1)[1].split("\n    raise")[0]
                                      .replace("\n    # ", " "))
    result = check(exercise_id, _not_implemented)
    assert not result.passed and not result.attempted and result.status == "not attempted"
    assert "not attempted yet" in result.message and "Hint:" in result.message
    assert not check(exercise_id, None).attempted


@pytest.mark.parametrize("exercise_id", IDS)
def test_typical_mistakes_fail_with_their_own_explanation(exercise_id):
    exercise = EXERCISES[exercise_id]
    assert len(exercise.mistakes) >= 2, "each exercise must recognise at least two typical mistakes"
    for mistake in exercise.mistakes:
        result = check(exercise_id, mistake.wrong)
        assert result.attempted and not result.passed, f"{mistake.hint!r} passes the check"
        assert mistake.hint in result.message, (mistake.hint, result.message)
        assert result.message.startswith(f"✗ {exercise_id}")


@pytest.mark.parametrize("exercise_id", IDS)
def test_whatever_the_function_does_the_check_explains_and_never_raises(exercise_id):
    exercise = EXERCISES[exercise_id]
    solution, n_out = exercise.solution, len(exercise.outputs)

    def returns_none(*args):
        return None

    def raises(*args):
        raise ValueError("operands could not be broadcast together")

    def returns_text(*args):
        return "h" if n_out == 1 else ("h",) * n_out

    def too_few(*args):
        out = solution(*args)
        return out[:-1] if n_out > 1 else (out, out)

    def wrong_shape(*args):
        out = solution(*args)
        grow = lambda a: np.concatenate([np.atleast_1d(a), np.atleast_1d(a)])  # noqa: E731
        return tuple(grow(a) for a in out) if n_out > 1 else grow(out)

    def nan(*args):
        out = solution(*args)
        spoil = lambda a: np.full(np.shape(a), np.nan)  # noqa: E731
        return tuple(spoil(a) for a in out) if n_out > 1 else spoil(out)

    expected_words = {returns_none: "returned None", raises: "raised ValueError", returns_text: "not an array",
                      too_few: "returned", wrong_shape: "shape", nan: ""}
    for candidate, words in expected_words.items():
        result = check(exercise_id, candidate)
        assert result.attempted and not result.passed, candidate.__name__
        assert words in result.message, (candidate.__name__, result.message)
        assert "case '" in result.message  # it says on which case
    assert "expected a function" in check(exercise_id, 42).message


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_function_that_changes_its_inputs_in_place_is_told_so(exercise_id):
    exercise = EXERCISES[exercise_id]
    solution = exercise.solution

    def mutating(*args):
        out = solution(*args)
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size:
                a.flat[0] += 1.0
                break
        return out

    if not any(isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size
               for a in exercise.cases(np.random.default_rng(exercise.seed))[0].args):
        pytest.skip("no float array input to change")
    result = check(exercise_id, mutating)
    assert not result.passed and "in place" in result.message


def test_show_solution_shows_the_reference_code(capsys):
    show_solution("02.1")  # outside a notebook IPython's display prints the Markdown object's repr
    out = capsys.readouterr().out
    assert "def rnn_step" in out or "Markdown" in out
    with pytest.raises(ValueError, match="exercise_id: expected one of"):
        check("99.9", print)


def test_check_exercise_prints_the_message(capsys):
    check_exercise("02.1", _not_implemented)
    assert "02.1 One RNN step: not attempted yet" in capsys.readouterr().out


def _stored(path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("notebook", sorted({e.notebook for e in EXERCISES.values()}))
def test_stored_notebooks_hold_the_stubs_and_their_checks(notebook):
    path = next((ROOT / "notebooks").glob(f"{notebook}_*.ipynb"))
    nb = _stored(path)
    exercises = exercises_of(notebook)
    cells = find_exercise_cells(nb, exercises)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    positions = []
    for exercise in exercises:
        assert cells[exercise.id] == exercise.stub.rstrip("\n"), f"{exercise.id}: the stored cell is not the stub"
        tagged = [i for i, c in enumerate(code) if c["metadata"].get("exercise") == exercise.id]
        assert len(tagged) == 1, f"{exercise.id}: expected one cell tagged with the exercise"
        i = tagged[0]
        follow = code[i + 1]
        assert "".join(follow["source"]) == f'check_exercise("{exercise.id}", {exercise.function_name})'
        printed = "".join("".join(o.get("text", "")) for o in follow["outputs"])
        assert printed.startswith(f"… {exercise.id} {exercise.title}: not attempted yet"), printed
        assert exercise.solution.__doc__ is not None
        body = inspect.getsource(exercise.solution).split('"""')[-1]
        assert body.strip() not in cells[exercise.id]  # the solution's body is not in the notebook
        positions.append(i)
    assert positions == sorted(positions), "exercises appear in the order of their numbers"
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "show_solution(" not in text.replace("import check_exercise, show_solution", ""), \
        "Run All must never show a solution"


# --------------------------------------------------------------------------- the checker itself, on a toy exercise

def _two_outputs(a, b):
    """Sum and product of two arrays (a toy exercise for the checker)."""
    return a + b, a * b


def _toy(**overrides):
    from helpers.exercises.core import Case, Exercise, Mistake

    def cases(rng):
        return [Case("3 x 4", (rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))),
                Case("one entry", (np.array([[2.0]]), np.array([[3.0]]))),
                Case("square", (rng.standard_normal((2, 2)), rng.standard_normal((2, 2))))]
    settings = dict(id="99.1", title="Toy", solution=_two_outputs, stub=make_stub(_two_outputs, "one line each"),
                    cases=cases, outputs=("total", "product"), hint="add and multiply",
                    mistakes=(Mistake("Your total subtracts.", lambda a, b: (a - b, a * b)),
                              Mistake("Your product divides.", lambda a, b: (a + b, a / b)),
                              Mistake("Your total is twice a on the one-entry case only.",
                                      lambda a, b: (a + b if a.size > 1 else 2 * a + 0 * b, a * b))),
                    axes={"total": ("n", "j")}, seed=5)
    settings.update(overrides)
    return Exercise(**settings)


def test_outputs_in_another_order_are_named():
    from helpers.exercises.checker import run_check
    result = run_check(_toy(), lambda a, b: (a * b, a + b))
    assert "Right values, wrong order: you returned (product, total), expected (total, product)" in result.message


def test_the_hint_shown_is_the_one_that_explains_the_most_failing_cases():
    from helpers.exercises.checker import run_check
    # a + a: equals "twice a" on the one-entry case (2 + 2 = 4 vs 2*2), and no known mistake elsewhere
    result = run_check(_toy(), lambda a, b: (a - b, a * b))
    assert "Your total subtracts." in result.message and "twice" not in result.message
    coincidence = run_check(_toy(), lambda a, b: (2 * a, a * b))  # = the third mistake on one case only ...
    assert "twice a on the one-entry case" in coincidence.message  # ... which is then all the evidence there is


def test_single_numbers_complex_values_and_nan_are_explained_plainly():
    from helpers.exercises.checker import run_check
    from helpers.exercises.core import Case, Exercise, Mistake

    def mean(x):
        """The mean of x."""
        return np.mean(x)

    exercise = Exercise(id="99.2", title="Mean", solution=mean, stub=make_stub(mean, "one line"),
                        cases=lambda rng: [Case("five", (rng.standard_normal(5),))], outputs=("m",), hint="np.mean",
                        mistakes=(Mistake("Your m is a sum.", lambda x: np.sum(x)),
                                  Mistake("Your m divides by zero.", lambda x: np.sum(x) / 0.0 * np.nan)))
    scaled = run_check(exercise, lambda x: 1.5 * np.mean(x)).message
    assert "times 1.5" not in scaled and "your m is" in scaled and "expected" in scaled  # no "right answer times"
    assert "complex numbers" in run_check(exercise, lambda x: np.mean(x) + 1j).message
    with np.errstate(all="ignore"):
        assert "Your m divides by zero." in run_check(exercise, lambda x: np.sum(x) / 0.0 * np.nan).message


def test_values_print_with_enough_digits_to_differ():
    from helpers.exercises.checker import _fmt
    assert _fmt(1.0293301, 1.0293305) != _fmt(1.0293305, 1.0293301)
    assert _fmt(0.5) == "0.5"


# --------------------------------------------------------------------------- every exercise, three more properties

@pytest.mark.parametrize("exercise_id", IDS)
def test_each_mistake_gets_its_own_explanation_and_no_other(exercise_id):
    """A learner who makes one mistake reads its explanation, not also another mistake's."""
    mistakes = EXERCISES[exercise_id].mistakes
    for mistake in mistakes:
        message = check(exercise_id, mistake.wrong).message
        others = [m.hint for m in mistakes if m.hint != mistake.hint and m.hint in message]
        assert not others, (mistake.hint, message)


@pytest.mark.parametrize("exercise_id", IDS)
def test_checking_a_mistake_warns_about_nothing(exercise_id):
    """The checker runs every registered mistake: none may print a NumPy warning into the learner's notebook."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for mistake in EXERCISES[exercise_id].mistakes:
            check(exercise_id, mistake.wrong)
    assert not caught, [str(w.message) for w in caught]


def _first_code_cell_names(notebook: str) -> set:
    path = next((ROOT / "notebooks").glob(f"{notebook}_*.ipynb"))
    first = next("".join(c["source"]) for c in _stored(path)["cells"] if c["cell_type"] == "code")
    names = set()
    for node in ast.walk(ast.parse(first)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
    return names


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_runs_in_the_notebook_with_its_imports_only(exercise_id):
    """show_solution's code, pasted into the stub cell, runs with the names of the notebook's first cell (which
    is also what grading runs before the exercise cells)."""
    import builtins
    exercise = EXERCISES[exercise_id]
    tree = ast.parse(inspect.getsource(exercise.solution))
    bound = {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
             for a in n.args + n.kwonlyargs + n.posonlyargs}
    bound |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda)) and hasattr(n, "name")}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    free = used - bound - set(dir(builtins))
    assert free <= _first_code_cell_names(exercise.notebook), free


@pytest.mark.parametrize("notebook", sorted({e.notebook for e in EXERCISES.values()}))
def test_no_other_cell_uses_a_name_a_stub_defines(notebook):
    """Run All defines the learner's (unfinished) functions: no other code cell may use or import those names, or
    the notebook would depend on the learner's answer (it goes on with helpers instead). Names in the code itself,
    not words in a docstring or comment."""
    nb = _stored(next((ROOT / "notebooks").glob(f"{notebook}_*.ipynb")))
    for exercise in exercises_of(notebook):
        name = exercise.function_name
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or cell["metadata"].get("exercise") == exercise.id \
                    or source == f'check_exercise("{exercise.id}", {name})':
                continue
            tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            used |= {a.asname or a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                     for a in n.names}
            used |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name not in used, f"{exercise.id}: a cell uses {name}:\n{source[:300]}"
