"""Notebook 07's exercises against the course's own implementations: the one-unit network against
scalar_rnn.forward, clipping against helpers.optim (by global norm, by value, and per parameter for the mistake
that the exercise names so)."""
import numpy as np

from helpers import scalar_rnn
from helpers.exercises import EXERCISES, check
from helpers.gradcheck import rel_error
from helpers.optim import clip_grad_norm, clip_grad_norm_per_parameter, clip_grad_value

SCALAR, NORM, VALUE = (EXERCISES[i] for i in ("07.1", "07.2", "07.3"))


def _cases(exercise):
    return exercise.cases(np.random.default_rng(exercise.seed))


def _dict(dU, dW, db):
    return {"U": dU, "W": dW, "b": db}


def test_the_one_unit_network_is_scalar_rnns_forward():
    for case in _cases(SCALAR):
        w, b, T = case.args
        x, E = SCALAR.solution(w, b, T)
        E_ref, cache = scalar_rnn.forward(w, b, T)
        assert x.shape == (T + 1, len(w)), case.label
        assert rel_error(x, cache.x) < 1e-12 and rel_error(E, E_ref) < 1e-12, case.label
    assert scalar_rnn.X0 == 0.5 and scalar_rnn.TARGET == 0.7  # the constants written into the exercise


def test_the_cliff_case_sits_on_the_cliff_and_ends_on_both_plateaus():
    case = next(c for c in _cases(SCALAR) if "cliff" in c.label)
    w, b, T = case.args
    assert np.allclose(b, scalar_rnn.cliff_line(w), atol=2e-4)
    x, _ = SCALAR.solution(w, b, T)
    s_end = 1 / (1 + np.exp(-x[-1]))
    assert s_end.min() < 0.3 and s_end.max() > 0.7  # below the cliff low, above it high
    assert any(c.args[2] == 1 for c in _cases(SCALAR))  # T = 1


def test_clipping_by_norm_is_optims_clip_grad_norm():
    for case in _cases(NORM):
        dU, dW, db, tau = case.args
        *mine, norm = NORM.solution(dU, dW, db, tau)
        theirs, their_norm = clip_grad_norm(_dict(dU, dW, db), tau)
        assert rel_error(norm, their_norm) < 1e-12, case.label
        for a, key in zip(mine, ("U", "W", "b")):
            assert rel_error(a, theirs[key]) < 1e-12, case.label


def test_the_norm_cases_cover_both_sides_of_the_threshold_and_a_norm_between_sqrt_tau_and_tau():
    norms = [(clip_grad_norm(_dict(*c.args[:3]), c.args[3])[1], c.args[3]) for c in _cases(NORM)]
    assert any(n > tau for n, tau in norms) and any(n < np.sqrt(tau) for n, tau in norms)
    assert any(np.sqrt(tau) < n < tau for n, tau in norms)  # where comparing ||g||^2 with tau goes wrong
    for case in _cases(NORM):  # below the threshold nothing changes
        *clipped, norm = NORM.solution(*case.args)
        if norm <= case.args[3]:
            assert all(np.array_equal(a, b) for a, b in zip(clipped, case.args[:3]))


def test_the_per_parameter_mistake_is_optims_per_parameter_clipping():
    mistake = next(m for m in NORM.mistakes if "per parameter" in m.hint)
    for case in _cases(NORM):
        dU, dW, db, tau = case.args
        *wrong, _ = mistake.wrong(dU, dW, db, tau)
        theirs, _ = clip_grad_norm_per_parameter(_dict(dU, dW, db), tau)
        for a, key in zip(wrong, ("U", "W", "b")):
            assert rel_error(a, theirs[key]) < 1e-12, case.label


def test_a_norm_after_clipping_is_named_with_the_arrays_said_to_be_right():
    mistake = next(m for m in NORM.mistakes if "after clipping" in m.hint)
    result = check("07.2", mistake.wrong)
    assert "wrong: total_norm; right: dU, dW, db" in result.message and mistake.hint in result.message


def _flat(*arrays):
    return np.concatenate([a.ravel() for a in arrays])


def test_clipping_by_value_is_optims_clip_grad_value_and_the_cosine_is_that_of_the_flat_vectors():
    for case in _cases(VALUE):
        dU, dW, db, tau = case.args
        *mine, cosine = VALUE.solution(dU, dW, db, tau)
        theirs = clip_grad_value(_dict(dU, dW, db), tau)
        for a, key in zip(mine, ("U", "W", "b")):
            assert np.array_equal(a, theirs[key]), case.label
        g, c = _flat(dU, dW, db), _flat(*mine)
        assert rel_error(cosine, g @ c / (np.linalg.norm(g) * np.linalg.norm(c))) < 1e-12, case.label
        assert -1 <= cosine <= 1 + 1e-12


def test_the_value_cases_cut_on_both_sides_and_one_cuts_nothing():
    cut_nothing = [c for c in _cases(VALUE) if np.all(np.abs(_flat(*c.args[:3])) <= c.args[3])]
    assert cut_nothing and abs(VALUE.solution(*cut_nothing[0].args)[3] - 1.0) < 1e-12  # nothing cut, no turn
    assert any(np.any(_flat(*c.args[:3]) < -c.args[3]) and np.any(_flat(*c.args[:3]) > c.args[3])
               for c in _cases(VALUE))


def test_rescaling_instead_of_clipping_by_value_is_explained_by_the_direction():
    mistake = next(m for m in VALUE.mistakes if "global norm" in m.hint)
    result = check("07.3", mistake.wrong)
    assert mistake.hint in result.message and "cosine" in result.message
