"""kmrbf.report.graph: the claim dependency graph -- layers, order, positions, and a deterministic PDF."""

from __future__ import annotations

import pytest

from kmrbf.claims import CLAIMS
from kmrbf.report.graph import (VERDICT_RGB, GraphLayout, crossings, draw_graph, layered_layout, node_positions,
                                save_pdf_bytes)
from kmrbf.verdict import VERDICTS


def test_premises_sit_in_earlier_layers_and_long_edges_pass_dummies():
    g = layered_layout(["a", "b", "c", "d"], {"b": ("a",), "c": ("b",), "d": ("a", "c")})
    assert isinstance(g, GraphLayout)
    assert [g.layer_of(n) for n in "abcd"] == [0, 1, 2, 3]
    assert ("a", "~a~d~1", "~a~d~2", "d") in g.paths
    assert all(g.layer_of(v) == g.layer_of(u) + 1 for u, v in g.edges)


def test_layout_of_the_catalog_is_a_proper_layering():
    for paper in ("KR", "VF"):
        nodes = [c.id for c in CLAIMS if c.paper == paper]
        g = layered_layout(nodes, {c.id: c.uses for c in CLAIMS})
        assert {n for layer in g.layers for n in layer if not n.startswith("~")} == set(nodes)
        for c in CLAIMS:
            for u in c.uses if c.paper == paper else ():
                assert g.layer_of(u) < g.layer_of(c.id)
        pos = node_positions(g)
        for layer in g.layers:  # in layer order and never overlapping
            xs = [pos[n] for n in layer]
            assert all(b - a >= 0.2 for a, b in zip(xs, xs[1:]))


def test_sweeps_remove_avoidable_crossings():
    # catalog order gives a crossing; the barycentre sweep removes it
    g = layered_layout(["a", "b", "c", "d"], {"c": ("b",), "d": ("a",)})
    assert crossings([["a", "b"], ["c", "d"]], [("b", "c"), ("a", "d")]) == 1
    assert crossings(g.layers, g.edges) == 0


def test_cycle_is_an_error():
    with pytest.raises(ValueError, match="cycle"):
        layered_layout(["a", "b"], {"a": ("b",), "b": ("a",)})


def test_graph_pdf_is_deterministic():
    g = layered_layout(["KR-A", "KR-B", "KR-C"], {"KR-B": ("KR-A",), "KR-C": ("KR-B",)})
    verdicts = {"KR-A": "refuted", "KR-B": "verified", "KR-C": "inconclusive"}
    flagged = {"KR-B": ("KR-A",), "KR-C": ("KR-A",)}
    one, two = draw_graph(g, verdicts, flagged, prefix="KR-"), draw_graph(g, verdicts, flagged, prefix="KR-")
    assert one.startswith(b"%PDF") and one == two
    assert set(VERDICT_RGB) == set(VERDICTS)


def test_save_pdf_bytes_has_no_time_stamp():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    data = save_pdf_bytes(fig)
    plt.close(fig)
    assert data.startswith(b"%PDF") and b"CreationDate" not in data
