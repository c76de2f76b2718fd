import numpy as np
import pytest

from helpers import conv, dense
from helpers.datasets import make_stripe_images
from helpers.gradcheck import check_gradients


def test_dense_forward_is_the_equation(rng):
    params = dense.init_params(3, 2, rng)
    params["b"] = rng.standard_normal(2)
    x = rng.standard_normal((4, 3))
    y, cache = dense.forward(params, x, activation="tanh")
    expected = np.array([np.tanh(params["W"] @ xn + params["b"]) for xn in x])  # one example at a time
    np.testing.assert_allclose(y, expected, rtol=1e-14)
    assert cache.x is x and cache.activation == "tanh"


def test_dense_is_symmetric_under_a_consistent_permutation(rng):
    """Permuting every input the same way, and the weight columns with it, changes nothing."""
    params = dense.init_params(5, 3, rng)
    x = rng.standard_normal((6, 5))
    perm = rng.permutation(5)
    y, _ = dense.forward(params, x)
    y_perm, _ = dense.forward({"W": params["W"][:, perm], "b": params["b"]}, x[:, perm])
    np.testing.assert_allclose(y_perm, y, rtol=1e-14)


def test_dense_gradients_float64(rng):
    params = dense.init_params(3, 4, rng)
    result = check_gradients(dense.forward, dense.backward, params,
                             {"x": rng.standard_normal((2, 3))}, rng=rng)
    assert result.ok, str(result)


def test_dense_float32_stays_float32(rng):
    params = dense.init_params(3, 2, rng, dtype=np.float32)
    y, cache = dense.forward(params, np.ones((1, 3), np.float32))
    dx, grads = dense.backward(np.ones_like(y), cache)
    assert y.dtype == dx.dtype == grads["W"].dtype == np.float32


def test_dense_bad_input(rng):
    params = dense.init_params(3, 2, rng)
    with pytest.raises(ValueError, match=r"x: expected shape \(N, D\) = \(\?, 3\), got \(4, 2\)"):
        dense.forward(params, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="activation: expected one of"):
        dense.forward(params, np.zeros((4, 3)), activation="softplus")
    with pytest.raises(ValueError, match=r"params\['b'\]: expected shape \(H,\) = \(2,\), got \(3,\)"):
        dense.forward({"W": params["W"], "b": np.zeros(3)}, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="input_size: expected a positive int"):
        dense.init_params(0, 2, rng)
    _, cache = dense.forward(params, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"dy: expected shape \(4, 2\), got \(2, 4\)"):
        dense.backward(np.zeros((2, 4)), cache)


def test_conv2d_matches_a_direct_loop(rng):
    images = rng.standard_normal((2, 3, 6, 6))
    filters = rng.standard_normal((4, 3, 3, 3))
    maps = conv.conv2d(images, filters)
    assert maps.shape == (2, 4, 4, 4)
    n, f, i, j = 1, 2, 3, 0
    assert np.isclose(maps[n, f, i, j], np.sum(images[n, :, i:i + 3, j:j + 3] * filters[f]))


def test_conv2d_bad_input(rng):
    with pytest.raises(ValueError, match=r"filters: expected shape \(F, C, k, k\) = \(\?, 3, \?, \?\), got \(1, 2, 3, 3\)"):
        conv.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="filters: expected a kernel no larger than the image"):
        conv.conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)))


def test_semantic_vectors_separate_stripe_orientations(rng):
    images, labels = make_stripe_images(20, 16, rng)
    vec = conv.semantic_vectors(images)  # (40, 2)
    vertical_wins = vec[:, 0] > vec[:, 1]
    np.testing.assert_array_equal(vertical_wins, labels == 0)
    # pixel-wise, two images of one class can be farther apart than images of different classes,
    # but in the semantic space the class means are far apart compared with the spread
    centre = np.array([vec[labels == c].mean(axis=0) for c in (0, 1)])
    spread = max(vec[labels == c].std(axis=0).max() for c in (0, 1))
    assert np.linalg.norm(centre[0] - centre[1]) > 3 * spread
