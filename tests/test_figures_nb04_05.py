"""Figures of notebooks 04 and 05: the LSTM's two views (and their explorer), the computational graph, and the
paths out of the cell c_t. Each passes the figure audit and shows the numbers of the code it is drawn from."""
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from figure_audit import audit
from helpers import lstm
from helpers.gradcheck import numerical_gradient, rel_error
from helpers.plots import (CELL_PATHS, GATE_CMAP, LSTM_NODES, VALUE_CMAP, draw_cell_gradient_paths,
                           draw_computational_graph, draw_lstm_circuit, draw_lstm_odyssey, lstm_node_face,
                           lstm_step_values, plot_lstm_views)
from helpers.plots.style import CYCLE_COLOURS, CYCLE_STYLES
from helpers.seeding import make_rng


def _lstm(peepholes=True, T=5, N=2, D=3, H=4, seed=4):
    rng = make_rng(seed)
    params = lstm.init_params(D, H, rng, peepholes=peepholes, forget_bias=1.0)
    if peepholes:
        params.update({p: 0.5 * rng.standard_normal(H) for p in lstm.PEEPHOLES})
    x = rng.standard_normal((T, N, D))  # (T, N, D)
    y, cache = lstm.forward(params, x)
    return params, x, y, cache


def _nodes(ax):
    return {t.get_gid()[5:]: t for t in ax.texts if (t.get_gid() or "").startswith("node-")}


def _number(text):
    return float(text.split("\n")[-1].split("=")[-1].replace("\u2212", "-"))


def _is_dashed(patch):
    return patch.get_linestyle() not in ("-", "solid")


# --------------------------------------------------------------------------- notebook 04: the two views

@pytest.mark.parametrize("peepholes", [True, False])
def test_lstm_views_pass_the_audit_and_show_every_value(peepholes):
    _, _, _, cache = _lstm()
    values = lstm_step_values(cache, 3, seq=1, unit=2)
    fig, (circuit, odyssey) = plot_lstm_views(values, peepholes=peepholes, t=3)
    assert audit(fig) == []
    assert fig.get_size_inches()[0] <= 12
    assert "step t = 3" in fig.texts[0].get_text() or "step t = 3" in fig._suptitle.get_text()
    for ax in (circuit, odyssey):
        nodes = _nodes(ax)
        assert set(LSTM_NODES) <= set(nodes)  # every quantity, once per view
        for name in LSTM_NODES:
            text = nodes[name]
            assert _number(text.get_text()) == pytest.approx(values[name], abs=0.005), name
            face = text.get_bbox_patch().get_facecolor()
            assert np.allclose(face, plt.matplotlib.colors.to_rgba(lstm_node_face(name, values[name]))), name
        peeps = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("peephole")}
        assert set(peeps) == {"peephole-i", "peephole-f", "peephole-o"}
        assert all(p.get_visible() == peepholes for p in peeps.values())
        # Greff et al.'s time lag: the input and forget peepholes see c_{t-1} (dashed), the output gate c_t (solid)
        assert _is_dashed(peeps["peephole-i"]) and _is_dashed(peeps["peephole-f"])
        assert not _is_dashed(peeps["peephole-o"])
        # y_t leaves toward step t+1, dashed; y_{t-1} arrives dashed, x_t solid
        edges = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("edge-")}
        assert _is_dashed(edges["edge-y-next-y"])
        assert "step" in _nodes(ax)["next-y"].get_text() and "t+1" in _nodes(ax)["next-y"].get_text()
    c_edges = {p.get_gid(): p for p in circuit.patches if (p.get_gid() or "").startswith("edge-")}
    assert _is_dashed(c_edges["edge-c_prev-mul_f"]) and _is_dashed(c_edges["edge-pt-c-next-c"])
    assert _is_dashed(c_edges["edge-y_prev-pt-bus"]) and not _is_dashed(c_edges["edge-x-pt-bus"])
    o_edges = {p.get_gid(): p for p in odyssey.patches if (p.get_gid() or "").startswith("edge-")}
    assert _is_dashed(o_edges["edge-y_prev-z"]) and not _is_dashed(o_edges["edge-x-z"])
    assert _is_dashed(o_edges["edge-c-c_prev"])  # the cell's own loop: its value one step later
    for gate in ("i", "f", "o"):  # every gate reads x_t (solid) and the recurrent y_{t-1} (dashed)
        assert not _is_dashed(o_edges[f"edge-in-x-{gate}-{gate}"]) and _is_dashed(o_edges[f"edge-in-y-{gate}-{gate}"])
    # the key: a colour bar for the values and one for the gates
    maps = {ax._colorbar.mappable.get_cmap().name for ax in fig.axes if getattr(ax, "_colorbar", None)}
    assert maps == {VALUE_CMAP.name, GATE_CMAP.name}


def test_each_lstm_view_alone_has_its_key():
    _, _, _, cache = _lstm()
    values = lstm_step_values(cache, 0)
    for draw in (draw_lstm_circuit, draw_lstm_odyssey):
        fig, ax = draw(values, peepholes=True)
        assert audit(fig) == []
        assert sum(getattr(a, "_colorbar", None) is not None for a in fig.axes) == 2
        plt.close(fig)


def test_node_faces_and_boxes():
    assert lstm_node_face("f", 0.0) == "#ffffff" and lstm_node_face("f", 1.0) == "#009e73"
    assert lstm_node_face("c", 0.5) == lstm_node_face("c", 0.504)  # as printed: equal numbers, equal colours
    assert lstm_node_face("c", -1.0) != lstm_node_face("c", 1.0) and lstm_node_face("c", 7.0) == lstm_node_face("c", 1)
    # the boxes keep their size whatever the numbers (the explorer draws only the nodes after a move)
    _, _, _, cache = _lstm()
    sizes = []
    for t, sign in ((1, 1.0), (4, -1.0)):
        values = {k: sign * v if k != "x" and k not in ("i", "f", "o") else v
                  for k, v in lstm_step_values(cache, t).items()}
        fig, axes = plot_lstm_views(values, t=t)
        fig.canvas.draw()
        sizes.append([round(n.get_bbox_patch().get_width(), 6) for ax in axes for n in _nodes(ax).values()])
        plt.close(fig)
    assert sizes[0] == sizes[1]


def test_lstm_explorer_moves_existing_artists():
    from helpers.widgets import LSTMExplorer
    params, x, _, cache = _lstm()
    explorer = LSTMExplorer(params, x, t=1, seq=1, unit=2)
    counts = [(len(ax.patches), len(ax.texts)) for ax in explorer.fig.axes]
    explorer.t_slider.value = 3
    nodes = _nodes(explorer.axes[0])
    assert _number(nodes["c"].get_text()) == pytest.approx(cache.c[3, 1, 2], abs=0.005)
    assert np.allclose(nodes["f"].get_bbox_patch().get_facecolor(),
                       plt.matplotlib.colors.to_rgba(lstm_node_face("f", cache.f[3, 1, 2])))
    assert "step t = 3" in explorer.fig._suptitle.get_text()
    explorer.peephole_box.value = False
    assert not any(p.get_visible() for ax in explorer.axes for p in ax.patches
                   if (p.get_gid() or "").startswith("peephole"))
    assert [(len(ax.patches), len(ax.texts)) for ax in explorer.fig.axes] == counts
    plt.close(explorer.fig)


# --------------------------------------------------------------------------- notebook 05: dc_t, term by term

@pytest.mark.parametrize("peepholes", [True, False])
def test_cell_delta_terms_are_the_paths_of_the_total_derivative(peepholes):
    params, x, y, cache = _lstm(peepholes, T=4, N=2, D=3, H=3, seed=5)
    T = x.shape[0]
    dy = make_rng(6).standard_normal(y.shape)  # L = sum_t <dy_t, y_t>
    dy_total, dc_total = lstm.state_gradients(dy, cache)
    p_o = params["p_o"] if peepholes else 0.0

    def later_loss(t, y_t, c_t):  # the part of L computed by the steps after t
        return np.sum(dy[t + 1:] * lstm.forward(params, x[t + 1:], y_t, c_t)[0]) if t + 1 < T else 0.0

    for t in range(T):
        terms = lstm.cell_delta_terms(dy, cache, t)
        assert tuple(terms) == lstm.CELL_EDGES
        for partial, delta, term in terms.values():
            assert partial.shape == delta.shape == term.shape == y.shape[1:]
            np.testing.assert_allclose(term, partial * delta)
        np.testing.assert_allclose(sum(term for _, _, term in terms.values()), dc_total[t], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(terms["y"][1], dy_total[t])  # the child's total derivative
        c_t, o_rest = cache.c[t], np.log(cache.o[t] / (1 - cache.o[t])) - p_o * cache.c[t]

        def y_of(c):  # y_t = h(c_t) o_t, o_t through the output peephole
            return np.tanh(c) / (1 + np.exp(-(o_rest + p_o * c)))
        # the paths through y_t (edges "y" and "obar"): move c_t in y_t only, hold the c_t that step t+1 reads
        through_y = numerical_gradient(lambda c: np.sum(dy[t] * y_of(c)) + later_loss(t, y_of(c), c_t), c_t.copy())
        assert rel_error(terms["y"][2] + terms["obar"][2], through_y) < 1e-7
        if t + 1 < T:  # the three paths into step t+1: move the c_t it reads, hold y_t
            np.testing.assert_allclose(terms["c_next"][1], dc_total[t + 1])
            ahead = numerical_gradient(lambda c: later_loss(t, y[t], c), c_t.copy())
            assert rel_error(terms["ibar_next"][2] + terms["fbar_next"][2] + terms["c_next"][2], ahead) < 1e-7
        else:
            assert not any(np.any(terms[k][2]) for k in ("ibar_next", "fbar_next", "c_next"))
        if not peepholes:
            assert not any(np.any(terms[k][2]) for k in ("obar", "ibar_next", "fbar_next"))
    with pytest.raises(ValueError, match=r"t: expected a step in \[0, 4\)"):
        lstm.cell_delta_terms(dy, cache, 4)


def _printed_terms(fig):
    found = {}
    for text in fig.findobj(plt.Text):
        gid = text.get_gid() or ""
        if gid.startswith("term-") or gid == "total":
            found[gid] = float(text.get_text().replace("\u2212", "-"))
    return found


@pytest.mark.parametrize("peepholes, t, shown", [
    (True, 1, ("y", "obar", "ibar_next", "fbar_next", "c_next")),
    (True, 3, ("y", "obar")),                       # the last step: nothing from step t+1
    (False, 1, ("y", "c_next")),                    # no peepholes: two edges only
])
def test_cell_gradient_paths_show_the_terms_of_helpers_lstm(peepholes, t, shown):
    params, x, y, cache = _lstm(peepholes, T=4, N=1, D=3, H=3, seed=5)
    dy = make_rng(6).standard_normal(y.shape)
    terms = lstm.cell_delta_terms(dy, cache, t)
    unit = 1
    fig, (ax, ax_eq) = draw_cell_gradient_paths(terms, t, T=4, unit=unit)
    assert audit(fig) == []
    nodes = _nodes(ax)
    assert set(nodes) == {"c", *shown}  # c_t and one child per edge that leaves it
    printed = _printed_terms(fig)
    assert set(printed) == {f"term-{k}" for k in shown} | {"total"}
    for k in shown:  # the printed terms are those of helpers.lstm, and so is each child's delta
        assert printed[f"term-{k}"] == pytest.approx(terms[k][2][0, unit], abs=5e-4)
        assert _number(nodes[k].get_text()) == pytest.approx(terms[k][1][0, unit], abs=5e-4)
    dc = lstm.state_gradients(dy, cache)[1][t, 0, unit]
    assert printed["total"] == pytest.approx(dc, abs=5e-4) and _number(nodes["c"].get_text()) == pytest.approx(dc, abs=5e-4)
    # each path in its own colour and line style, the same in the graph and in the equation
    for n, k in enumerate(CELL_PATHS):
        if k in shown:
            edge = next(p for p in ax.patches if p.get_gid() == f"edge-c-{k}")
            assert np.allclose(edge.get_edgecolor(), plt.matplotlib.colors.to_rgba(CYCLE_COLOURS[n]))
            sample = [line for line in ax_eq.lines if np.allclose(plt.matplotlib.colors.to_rgba(line.get_color()),
                                                                    plt.matplotlib.colors.to_rgba(CYCLE_COLOURS[n]))]
            assert len(sample) == 1
            name = next(tx for tx in ax_eq.texts if tx.get_gid() == f"name-{k}")
            assert name.get_text() == CELL_PATHS[k][3]
    widths = {k: next(p for p in ax.patches if p.get_gid() == f"edge-c-{k}").get_linewidth() for k in shown}
    biggest = max(shown, key=lambda k: abs(terms[k][2][0, unit]))
    assert widths[biggest] == max(widths.values())  # the widest edge carries the largest term
    with pytest.raises(ValueError, match="terms: missing the edges"):
        draw_cell_gradient_paths({"y": terms["y"]}, t, T=4)
    assert len(set(CYCLE_STYLES[:5])) == 5


def test_computational_graph_labels_sit_beside_the_edges():
    nodes = {"x": (0.0, 0.0), "u": (1.6, 0.9), "v": (1.6, -0.9), "L": (3.2, 0.0)}
    edges = [("x", "u", r"$\partial u/\partial x = 2x$"), ("x", "v", r"$\partial v/\partial x = \cos x$"),
             ("u", "L", r"$\partial L/\partial u = v$"), ("v", "L", r"$\partial L/\partial v = u + 1$")]
    fig, ax = draw_computational_graph(nodes, edges, title="two paths",
                                       highlight=[[("x", "u"), ("u", "L")], [("x", "v"), ("v", "L")]])
    assert audit(fig) == []
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    arrows = {p.get_gid(): p for p in ax.patches}
    styles = {str(arrows[f"edge-{a}-{b}"].get_linestyle()) for a, b in (("x", "u"), ("x", "v"))}
    assert len(styles) == 2  # the two paths differ by line style, not by colour alone
    for a, b, label in edges:  # the label's box does not contain the edge's midpoint
        mid = ax.transData.transform((np.array(nodes[a]) + nodes[b]) / 2)
        box = next(t for t in ax.texts if t.get_text() == label).get_window_extent(renderer)
        assert not box.contains(*mid), label
    assert re.search("two paths", ax.get_title())
