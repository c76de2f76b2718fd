from dataclasses import dataclass

import numpy as np
import pytest

from helpers.seeding import check_rng, make_rng
from helpers.shapes import (check_array, check_float_dtype, check_params, check_real, check_shape, format_spec,
                            with_settings)


def test_check_shape_binds_and_enforces_named_sizes():
    dims = check_shape("x", (5, 2, 3), ("T", "N", "D"))
    assert dims == {"T": 5, "N": 2, "D": 3}
    check_shape("h0", (2, 4), ("N", "H"), dims)
    assert dims["H"] == 4
    with pytest.raises(ValueError, match=r"h0: expected shape \(N, H\) = \(2, 4\), got \(3, 4\) \(N should be 2, not 3\)"):
        check_shape("h0", (3, 4), ("N", "H"), dims)


def test_check_shape_reports_wrong_rank_and_fixed_sizes():
    with pytest.raises(ValueError, match=r"x: expected a 3-d array of shape \(T, N, D\), got a 2-d array of shape \(2, 3\)"):
        check_shape("x", (2, 3), ("T", "N", "D"))
    with pytest.raises(ValueError, match=r"b: expected shape \(4,\), got \(3,\)"):
        check_shape("b", (3,), (4,))
    check_shape("any", (7, 1), (None, 1))


def test_failed_check_does_not_bind_partially():
    dims = {}
    with pytest.raises(ValueError):
        check_shape("x", (2, 3), ("A", "A"), dims)
    assert dims == {}


def test_format_spec():
    assert format_spec(("T", "N", 3)) == "(T, N, 3)"
    assert format_spec(("N", "H"), {"H": 4}) == "(N, H) = (?, 4)"
    assert format_spec(("H",)) == "(H,)"


def test_check_array_converts_ints_and_refuses_objects():
    assert check_array("x", [1, 2]).dtype == np.float64
    assert check_array("x", np.zeros(2, np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="x: expected a real floating-point array, got dtype <U1"):
        check_array("x", ["a"])


def test_check_params_names_the_problem():
    specs = {"W": ("H", "D"), "b": ("H",)}
    dims = check_params({"W": np.zeros((3, 2)), "b": np.zeros(3)}, specs)
    assert dims == {"H": 3, "D": 2}
    with pytest.raises(ValueError, match=r"params: missing key\(s\) \['b'\]"):
        check_params({"W": np.zeros((3, 2))}, specs)
    with pytest.raises(ValueError, match=r"params: unknown key\(s\) \['c'\]"):
        check_params({"W": np.zeros((3, 2)), "b": np.zeros(3), "c": 1.0}, specs)
    with pytest.raises(ValueError, match=r"params\['b'\]: expected shape \(H,\) = \(3,\), got \(2,\)"):
        check_params({"W": np.zeros((3, 2)), "b": np.zeros(2)}, specs)
    with pytest.raises(ValueError, match="params: expected a dict of arrays"):
        check_params([np.zeros(1)], specs)
    check_params({"W": np.zeros((3, 2))}, specs, optional=("b",))


def test_check_params_accepts_and_binds_exactly_what_check_array_does():
    # check_params passes a real array of the right shape without calling check_array (training loops check every
    # step); it must accept, refuse and bind exactly as check_array does, on every kind of input
    rng = np.random.default_rng(0)
    entries = [None, 1, 2, 3, "H", "D", "N"]
    inputs = [np.zeros, lambda shape: np.zeros(shape, np.float32), lambda shape: np.ones(shape, bool),
              lambda shape: np.ones(shape, np.int64), lambda shape: np.zeros(shape, complex),
              lambda shape: np.zeros(shape).tolist(), lambda shape: np.zeros(shape, object)]
    for _ in range(3000):
        spec = tuple(entries[i] for i in rng.integers(0, len(entries), size=rng.integers(0, 4)))
        shape = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(0, 4)))
        known = {k: int(v) for k, v in zip(("H", "D"), rng.integers(1, 4, size=2)) if rng.random() < 0.5}
        if rng.random() < 0.05:
            known["N"] = None  # a name present without a size: check_shape compares with it (and refuses)
        value = inputs[rng.integers(0, len(inputs))](shape)
        want_dims, got_dims = dict(known), dict(known)
        try:
            check_array("params['W']", value, spec, want_dims)
            want = None
        except ValueError as error:
            want = str(error)
        try:
            check_params({"W": value}, {"W": spec}, got_dims)
            got = None
        except ValueError as error:
            got = str(error)
        assert got == want and got_dims == want_dims, (spec, shape, known, type(value))


def test_make_rng_is_reproducible_and_refuses_missing_seeds():
    assert make_rng(7).standard_normal() == make_rng(7).standard_normal()
    assert make_rng(7).standard_normal() != make_rng(8).standard_normal()
    for bad in (None, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="seed: expected a non-negative int"):
            make_rng(bad)
    assert check_rng(make_rng(0)) is not None
    with pytest.raises(ValueError, match="rng: expected an np.random.Generator"):
        check_rng(np.random)


@pytest.mark.parametrize("value, minimum, match", [(0, 1, "n: expected a positive int, got 0"),
                                                   (True, 1, "n: expected a positive int, got True"),
                                                   (2.0, 1, "n: expected a positive int, got 2.0"),
                                                   (1, 2, "n: expected an int >= 2, got 1")])
def test_check_int_names_the_argument(value, minimum, match):
    from helpers.shapes import check_int
    with pytest.raises(ValueError, match=match):
        check_int("n", value, minimum)


def test_check_int_returns_a_python_int():
    from helpers.shapes import check_int
    assert check_int("n", np.int64(3)) == 3 and type(check_int("n", np.int64(3))) is int


@pytest.mark.parametrize("value, kwargs, match", [
    (0.0, {}, "x: expected a positive finite number, got 0.0"),
    (-1, dict(inclusive=True), "x: expected a non-negative finite number, got -1"),
    (float("nan"), {}, "x: expected a positive finite number, got nan"),
    (float("inf"), dict(minimum=None), "x: expected a finite number, got inf"),
    (True, {}, "x: expected a positive finite number, got True"),
    ("1", {}, "x: expected a positive finite number, got '1'"),
    (None, {}, "x: expected a positive finite number, got None"),
    (1.0, dict(inclusive=True, maximum=1.0), r"x: expected a finite number in \[0.0, 1.0\), got 1.0"),
    (2, dict(minimum=2), "x: expected a finite number > 2, got 2"),
    (0, dict(allow_none=True), "x: expected None or a positive finite number"),
    (0, dict(what="a positive learning rate"), "x: expected a positive learning rate, got 0"),
])
def test_check_real_names_the_argument_and_the_range(value, kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_real("x", value, **kwargs)


def test_check_real_accepts_numbers_in_range():
    assert check_real("x", np.float32(0.5)) == 0.5 and type(check_real("x", np.int64(3))) is float
    assert check_real("x", 0, inclusive=True) == 0.0 and check_real("x", 0.99, inclusive=True, maximum=1.0) == 0.99
    assert check_real("x", None, allow_none=True) is None and check_real("x", -3.0, minimum=None) == -3.0


def test_check_float_dtype():
    assert [check_float_dtype(d) for d in (np.float32, "float64", np.dtype("float32"))] == \
        ["float32", "float64", "float32"]
    for bad in (np.int64, "float16", "nonsense", None, 3):
        with pytest.raises(ValueError, match="dtype: expected one of"):
            check_float_dtype(bad)


def test_with_settings_replaces_fields_and_names_unknown_ones():
    @dataclass(frozen=True)
    class Settings:
        steps: int = 10
        lr: float = 0.1

    assert with_settings(None, Settings, {}) == Settings()
    assert with_settings(Settings(steps=3), Settings, {"lr": 0.5}) == Settings(steps=3, lr=0.5)
    with pytest.raises(ValueError, match=r"step: not a setting of Settings; expected one of \['steps', 'lr'\]"):
        with_settings(None, Settings, {"step": 3})
    with pytest.raises(ValueError, match="config: expected a Settings or None, got dict"):
        with_settings({"steps": 3}, Settings, {})


@pytest.mark.parametrize("ids, n, match", [
    ([1, 2], None, "non-empty integer array of token ids of shape \\(N, S\\)"),
    (np.zeros((2, 0), int), None, "got shape \\(2, 0\\)"),
    (np.zeros((2, 3)), None, "dtype float64"),
    (np.zeros((2, 3), int), 3, "N = 3 sequences"),
    (np.full((2, 3), 7), None, "in \\[0, 7\\)")])
def test_check_token_batch_names_the_argument_and_the_shape(ids, n, match):
    from helpers.shapes import check_token_batch
    with pytest.raises(ValueError, match="src: .*" + match):
        check_token_batch("src", ids, 7, n, axes="(N, S)")
    assert check_token_batch("src", np.ones((2, 3), int), 7, 2).shape == (2, 3)
