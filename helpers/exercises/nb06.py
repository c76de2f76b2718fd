"""Exercises of notebook 06 (vanishing and exploding gradients): the one-step Jacobian of a tanh RNN, Pascanu et
al.'s bound, and the product of Jacobians that carries a gradient back through time.

Shapes (row vectors, time-major): x_t (N, D), h_prev (N, H), U (H, D), W (H, H), b (H,); the states of one
sequence h (T, H). In the equations vectors are columns, as in the notebook: a_t = b + W h_{t-1} + U x_t.
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from .core import Case, Exercise, Mistake, make_stub

__all__ = ["EXERCISES"]


def _jacobians(deriv, W):
    """diag(deriv[n]) W for every row n of deriv (N, H): row i of W scaled by deriv[n, i]. Returns (N, H, H)."""
    return deriv[:, :, None] * W  # (N, H, H)


# --------------------------------------------------------------------------- 06.1 the Jacobian of one step

def step_jacobian(x_t, h_prev, U, W, b):
    """The Jacobian of one step of the tanh RNN, for each of N sequences (Pascanu et al. 2013, sec. 2.1):

        h_t = tanh(a_t),   a_t = b + W h_{t-1} + U x_t
        dh_t/dh_{t-1} = diag(tanh'(a_t)) W = diag(1 - h_t^2) W

    Entry (i, j) is d h_t[i] / d h_{t-1}[j]: how unit i of the new state moves when unit j of the old one does.

    Inputs:  x_t (N, D) the inputs of step t; h_prev (N, H) the states h_{t-1}; U (H, D), W (H, H), b (H,)
    Returns: J (N, H, H), where J[n] is the Jacobian of sequence n: J[n, i, j] = d h_t[n, i] / d h_{t-1}[n, j]
    """
    h_t = np.tanh(b + h_prev @ W.T + x_t @ U.T)  # (N, H): the step itself
    deriv = 1 - h_t ** 2  # (N, H): tanh'(a_t) = 1 - tanh(a_t)^2 = 1 - h_t^2
    return deriv[:, :, None] * W  # (N, H, H): row i of W times deriv[n, i], i.e. diag(deriv[n]) W


def _step_cases(rng):
    def case(label, N, D, H, scale=1.0):
        return Case(label, (rng.standard_normal((N, D)), np.tanh(rng.standard_normal((N, H))),
                            scale * rng.standard_normal((H, D)), scale * rng.standard_normal((H, H)) / np.sqrt(H),
                            0.5 * rng.standard_normal(H)))
    return [case("N = 3, D = 2, H = 4", 3, 2, 4), case("one sequence, N = 1", 1, 3, 5),
            case("N = H = 3", 3, 2, 3), case("large weights: a saturated tanh", 2, 3, 4, 4.0),
            case("one unit, H = 1", 2, 2, 1)]


def _step_jacobian_numeric(x_t, h_prev, U, W, b):
    """J by central differences: row i of J[n] is the gradient of h_t[n, i] with respect to h_prev[n]."""
    N, H = h_prev.shape
    J = np.empty((N, H, H))  # (N, H, H)
    for n in range(N):
        drive = b + x_t[n] @ U.T  # (H,): what does not depend on h_{t-1}
        for i in range(H):
            J[n, i] = numerical_gradient(lambda hp, i=i, drive=drive: np.tanh(drive + W @ hp)[i], h_prev[n].copy())
    return {"J": J}


def _h_t(x_t, h_prev, U, W, b):
    return np.tanh(b + h_prev @ W.T + x_t @ U.T)  # (N, H)


STEP = Exercise(
    id="06.1", title="The Jacobian of one step", solution=step_jacobian,
    stub=make_stub(step_jacobian, "compute h_t (the step of notebook 02), then tanh'(a_t) from it; diag(v) W scales "
                                  "the rows of W, and a new axis lets one line do it for all N sequences"),
    cases=_step_cases, outputs=("J",), axes={"J": ("n", "i", "j")}, gradient=_step_jacobian_numeric, seed=61,
    hint="first h_t, then tanh'(a_t) written with h_t; diag(v) W multiplies row i of W by v[i] (mind which axis "
         "of the (N, H, H) result that is).",
    mistakes=(
        Mistake("Your J[n] is diag(1 - h_t^2) W^T: W must not be transposed here. In the code the step is "
                "h_prev @ W.T, but the math is W h_{t-1}, so d h_t[i] / d h_{t-1}[j] = (1 - h_t[i]^2) W[i, j].",
                lambda x_t, h_prev, U, W, b: _jacobians(1 - _h_t(x_t, h_prev, U, W, b) ** 2, W.T)),
        Mistake("Your J[n] is W diag(1 - h_t^2): the derivative scales the columns of W instead of its rows. "
                "tanh'(a_t[i]) belongs to the output unit i, so it multiplies row i: J[n, i, j] = "
                "(1 - h_t[n, i]^2) W[i, j] (with deriv of shape (N, H), that is deriv[:, :, None] * W, "
                "not deriv[:, None] * W).",
                lambda x_t, h_prev, U, W, b: (1 - _h_t(x_t, h_prev, U, W, b) ** 2)[:, None, :] * W),
        Mistake("Your J[n] is W^T diag(1 - h_t^2), the transposed Jacobian: that is the factor of the backward "
                "pass (g_{t-1} = J^T g_t, section 2). The Jacobian itself is diag(1 - h_t^2) W.",
                lambda x_t, h_prev, U, W, b: (1 - _h_t(x_t, h_prev, U, W, b) ** 2)[:, None, :] * W.T),
        Mistake("Your J uses 1 - a_t^2, the pre-activation squared: tanh'(a) = 1 - tanh(a)^2, and tanh(a_t) is "
                "h_t, so the factor is 1 - h_t^2.",
                lambda x_t, h_prev, U, W, b: _jacobians(1 - (b + h_prev @ W.T + x_t @ U.T) ** 2, W)),
        Mistake("Your J uses 1 - h_{t-1}^2, the derivative at the previous state: the tanh that is differentiated "
                "is the one of step t, so the factor is tanh'(a_t) = 1 - h_t^2.",
                lambda x_t, h_prev, U, W, b: _jacobians(1 - h_prev ** 2, W)),
        Mistake("Your J uses 1 - tanh(h_t)^2, the tanh applied twice: h_t is already tanh(a_t), so tanh'(a_t) = "
                "1 - tanh(a_t)^2 = 1 - h_t^2.",
                lambda x_t, h_prev, U, W, b: _jacobians(1 - np.tanh(_h_t(x_t, h_prev, U, W, b)) ** 2, W)),
        Mistake("Your J[n] is W for every sequence: the factor tanh'(a_t) is missing (W alone is the Jacobian of "
                "the identity RNN, which has nothing to saturate). The chain rule through h_t = tanh(a_t) gives "
                "diag(1 - h_t^2) W.",
                lambda x_t, h_prev, U, W, b: np.broadcast_to(W, (len(h_prev),) + W.shape).copy()),
    ))


# --------------------------------------------------------------------------- 06.2 Pascanu et al.'s bound

GAMMAS = {"tanh": 1.0, "sigmoid": 0.25, "identity": 1.0}


def gradient_bound(W, activation, T):
    """Pascanu et al.'s bound on the gradient that reaches step k from a loss at step T-1 (2013, sec. 2.1):

        ||dL/dh_k|| <= (gamma lambda_1)^(T-1-k) ||dL/dh_{T-1}||,        k = 0 ... T-1

    lambda_1: the largest singular value of W; gamma: the largest value that |f'| takes, for the activation f.

    Inputs:  W (H, H); activation: "tanh", "sigmoid" or "identity"; T: the number of steps
    Returns: bound (T,), with bound[k] = (gamma lambda_1)^(T-1-k) (so bound[T-1] = 1)
    """
    gamma = {"tanh": 1.0, "sigmoid": 0.25, "identity": 1.0}[activation]  # sup |f'|
    lambda_1 = np.linalg.svd(W, compute_uv=False)[0]  # the largest singular value, = np.linalg.norm(W, 2)
    lags = T - 1 - np.arange(T)  # (T,): T-1-k, the steps between h_k and the loss
    return (gamma * lambda_1) ** lags  # (T,)


def _bound_cases(rng):
    def case(label, activation, T, W):
        return Case(label, (W, activation, T))
    H = 4
    return [case("tanh, H = 4, T = 8", "tanh", 8, 0.8 * rng.standard_normal((H, H))),
            case("sigmoid, H = 5, T = 6", "sigmoid", 6, 2.5 * rng.standard_normal((5, 5))),
            case("identity, a triangular W: rho = 0 < lambda_1", "identity", 7,
                 np.triu(rng.standard_normal((H, H)), 1)),
            case("tanh, T = 1", "tanh", 1, rng.standard_normal((3, 3))),
            case("sigmoid, one unit, H = 1", "sigmoid", 5, np.array([[-6.0]]))]


def _bound_with(lam, gamma_of=GAMMAS, shift=1):
    def wrong(W, activation, T):
        return (gamma_of[activation] * lam(W)) ** (T - shift - np.arange(T))
    return wrong


def _spectral_radius(W):
    return np.max(np.abs(np.linalg.eigvals(W)))


BOUND = Exercise(
    id="06.2", title="Pascanu et al.'s bound", solution=gradient_bound,
    stub=make_stub(gradient_bound, "gamma for the activation, lambda_1 from the singular values of W, then one "
                                   "power per k"),
    cases=_bound_cases, outputs=("bound",), axes={"bound": ("t",)}, seed=62,
    hint="gamma is the largest slope of the activation; lambda_1 is a singular value, not an eigenvalue; the "
         "exponent counts the steps from h_k to h_{T-1}.",
    mistakes=(
        Mistake("Your bound uses the spectral radius rho(W), the largest |eigenvalue|, in place of lambda_1, the "
                "largest singular value. rho <= lambda_1, so with rho the 'bound' can be broken: a triangular W "
                "with zeros on its diagonal has rho = 0, yet W h can be long.",
                _bound_with(_spectral_radius)),
        Mistake("Your lambda_1 is the Frobenius norm sqrt(sum W_ij^2), which np.linalg.norm(W) returns by default: "
                "it is an upper bound on lambda_1, not lambda_1. The bound uses the spectral norm, "
                "np.linalg.norm(W, 2), the largest singular value.",
                _bound_with(np.linalg.norm)),
        Mistake("Your lambda_1 is the largest eigenvalue of W^T W, which is lambda_1 squared: the singular values "
                "of W are the square roots of the eigenvalues of W^T W.",
                _bound_with(lambda W: np.max(np.linalg.eigvalsh(W.T @ W)))),
        Mistake("Your gamma for tanh is 1/4, the sigmoid's value. tanh'(a) = 1 - tanh(a)^2 is largest at a = 0, "
                "where it is 1: gamma = 1 for tanh.",
                _bound_with(lambda W: np.linalg.norm(W, 2), {"tanh": 0.25, "sigmoid": 0.25, "identity": 1.0})),
        Mistake("Your gamma for the sigmoid is 1: sigma'(a) = sigma(a) (1 - sigma(a)) is at most 1/4 (at a = 0), "
                "so gamma = 1/4.",
                _bound_with(lambda W: np.linalg.norm(W, 2), {"tanh": 1.0, "sigmoid": 1.0, "identity": 1.0})),
        Mistake("Your exponent is T - k, one too many: the loss reads h_{T-1}, so from h_k to it there are T-1-k "
                "steps, and bound[T-1] = 1 (no step, nothing to shrink or grow).",
                _bound_with(lambda W: np.linalg.norm(W, 2), shift=0)),
        Mistake("Your exponent is T-2-k, one too few: the loss reads h_{T-1}, so from h_k to it there are T-1-k "
                "steps, and bound[T-1] = 1 (no step, nothing to shrink or grow).",
                _bound_with(lambda W: np.linalg.norm(W, 2), shift=2)),
    ))


# --------------------------------------------------------------------------- 06.3 the product of Jacobians

def jacobian_products(h, W, u):
    """The product of Jacobians that carries a gradient back through time, for one sequence of the tanh RNN,
    and the gradient it carries for the loss L = u^T h_{T-1} (notebook 06, section 2):

        J_t = dh_t/dh_{t-1} = diag(1 - h_t^2) W                        (exercise 06.1)
        P_k = dh_{T-1}/dh_k = J_{T-1} J_{T-2} ... J_{k+1}              (T-1-k factors; P_{T-1} = I)
        g_k = dL/dh_k       = P_k^T u

    Inputs:  h (T, H) the states h_0 ... h_{T-1} of one sequence; W (H, H); u (H,)
    Returns: P (T, H, H) with P[k] = dh_{T-1}/dh_k; g (T, H) with g[k] = dL/dh_k
    """
    T, H = h.shape
    P = np.empty((T, H, H))  # (T, H, H)
    P[T - 1] = np.eye(H)  # h_{T-1} with respect to itself
    for k in range(T - 2, -1, -1):  # one step further back each time
        J = (1 - h[k + 1] ** 2)[:, None] * W  # (H, H): J_{k+1} = dh_{k+1}/dh_k
        P[k] = P[k + 1] @ J  # (H, H): dh_{T-1}/dh_k = dh_{T-1}/dh_{k+1} times dh_{k+1}/dh_k
    g = np.einsum("kij,i->kj", P, u)  # (T, H): g[k] = P[k]^T u
    return P, g


def _states(rng, T, H, scale=1.0, drive_scale=1.0):
    """States h_0 ... h_{T-1} (T, H) of a tanh RNN with recurrent matrix W, and W: h_t = tanh(W h_{t-1} + d_t)."""
    W = scale * rng.standard_normal((H, H)) / np.sqrt(H)  # (H, H)
    h = np.empty((T, H))  # (T, H)
    h_t = np.zeros(H)  # (H,)
    for t in range(T):
        h_t = np.tanh(W @ h_t + drive_scale * rng.standard_normal(H))  # (H,)
        h[t] = h_t
    return h, W


def _product_cases(rng):
    def case(label, T, H, scale=1.0, drive_scale=1.0):
        h, W = _states(rng, T, H, scale, drive_scale)
        u = rng.standard_normal(H)
        return Case(label, (h, W, u / np.linalg.norm(u)))
    return [case("T = 6, H = 4", 6, 4), case("T = 1: no step back", 1, 3), case("T = 2: one factor", 2, 3),
            case("one unit, H = 1, T = 7", 7, 1, 1.5), case("large W: saturated states, T = 5, H = 3", 5, 3, 3.0, 2.0)]


def _products_numeric(h, W, u):
    """P and g by central differences of the forward pass from h_k, with the inputs' drive recovered from h."""
    T, H = h.shape
    previous = np.vstack([np.zeros((1, H)), h[:-1]])  # (T, H): h_{t-1}, with h_{-1} = 0
    drive = np.arctanh(h) - previous @ W.T  # (T, H): b + U x_t, so that h_t = tanh(W h_{t-1} + drive_t)

    def last_state(h_k, k):  # h_{T-1} as a function of h_k
        for t in range(k + 1, T):
            h_k = np.tanh(W @ h_k + drive[t])  # (H,)
        return h_k

    P = np.stack([np.stack([numerical_gradient(lambda v, k=k, i=i: last_state(v, k)[i], h[k].copy())
                            for i in range(H)]) for k in range(T)])  # (T, H, H)
    g = np.stack([numerical_gradient(lambda v, k=k: last_state(v, k) @ u, h[k].copy()) for k in range(T)])  # (T, H)
    return {"P": P, "g": g}


def _products_with(factor, order="right", first_extra=False, transpose_g=True):
    """A wrong implementation: factor(h, W, t) (H, H) in place of J_t, multiplied on the ``order`` side."""
    def wrong(h, W, u):
        T, H = h.shape
        P = np.empty((T, H, H))
        P[T - 1] = factor(h, W, T - 1) if first_extra else np.eye(H)
        for k in range(T - 2, -1, -1):
            J = factor(h, W, k if first_extra else k + 1)
            P[k] = P[k + 1] @ J if order == "right" else J @ P[k + 1]
        g = np.einsum("kij,i->kj", P, u) if transpose_g else P @ u
        return P, g
    return wrong


def _gradient_derivative_last(h, W, u):
    P, _ = jacobian_products(h, W, u)
    g = np.empty(h.shape)  # (T, H)
    g[-1] = u
    for k in range(len(h) - 2, -1, -1):
        g[k] = (1 - h[k + 1] ** 2) * (W.T @ g[k + 1])  # (H,): diag(f') W^T g, the wrong order
    return P, g


def _jac(h, W, t):
    return (1 - h[t] ** 2)[:, None] * W  # (H, H): J_t


PRODUCTS = Exercise(
    id="06.3", title="The product of Jacobians", solution=jacobian_products,
    stub=make_stub(jacobian_products, "start from P[T-1] = identity and go back one step at a time; decide on which "
                                      "side the new Jacobian goes, then g[k] from P[k]"),
    cases=_product_cases, outputs=("P", "g"), axes={"P": ("t", "i", "j"), "g": ("t", "j")},
    gradient=_products_numeric, seed=63,
    hint="P[T-1] is the identity; going back from k+1 to k adds the factor J_{k+1} = diag(1 - h_{k+1}^2) W, and "
         "the chain rule says on which side it goes.",
    mistakes=(
        Mistake("Your P[k] is J_{k+1} J_{k+2} ... J_{T-1}, the product in the wrong order. By the chain rule "
                "dh_{T-1}/dh_k = (dh_{T-1}/dh_{k+1}) (dh_{k+1}/dh_k): the Jacobian of the last step stands on the "
                "left, and each step further back multiplies on the right: P[k] = P[k+1] J_{k+1}.",
                _products_with(_jac, order="left")),
        Mistake("Your P[k] has one Jacobian too many, J_{T-1} ... J_{k+1} J_k: J_k = dh_k/dh_{k-1} leads into "
                "h_k, not away from it. From h_k to h_{T-1} there are T-1-k steps, so T-1-k factors (none for "
                "k = T-1: P[T-1] = I).",
                _products_with(_jac, first_extra=True)),
        Mistake("Your factors use tanh' at the wrong step: going back from h_{k+1} to h_k multiplies by J_{k+1} = "
                "diag(1 - h_{k+1}^2) W, the derivative of the tanh that produced h_{k+1} — not diag(1 - h_k^2) W.",
                _products_with(lambda h, W, t: _jac(h, W, t - 1))),
        Mistake("Your Jacobians use W^T: J_t = diag(1 - h_t^2) W, with W itself (exercise 06.1). The transpose "
                "appears once, on the whole product, when the gradient is carried back: g_k = P_k^T u.",
                _products_with(lambda h, W, t: _jac(h, W.T, t))),
        Mistake("Your g[k] is P[k] u, without the transpose: the gradient travels back through the transposed "
                "product, g_k = P_k^T u = J_{k+1}^T ... J_{T-1}^T u (in NumPy u @ P[k], or P[k].T @ u).",
                _products_with(_jac, transpose_g=False)),
        Mistake("Your g[k] is diag(1 - h_{k+1}^2) W^T g[k+1]: the two factors of the step back are in the wrong "
                "order. The step back is J_{k+1}^T g_{k+1} = (diag(1 - h_{k+1}^2) W)^T g_{k+1} = W^T diag(1 - "
                "h_{k+1}^2) g_{k+1}: first the derivative, then W^T (section 2: the order matters).",
                _gradient_derivative_last),
        Mistake("Your factors are W alone: tanh' is missing. W^(T-1-k) is the product of the identity RNN; the "
                "tanh RNN's factor is J_{k+1} = diag(1 - h_{k+1}^2) W, and its saturation is why the gradient "
                "vanishes even where lambda_1 > 1.",
                _products_with(lambda h, W, t: W)),
    ))

EXERCISES = [STEP, BOUND, PRODUCTS]
