"""The claim dependency graph of the "At a glance" pages: layout (pure) and drawing (matplotlib).

Nodes are the claims of one paper, coloured by verdict; an edge ``B -> A`` means the paper's
proof of ``A`` uses ``B`` (the catalog's ``uses``).  A claim that rests, directly or through
others, on a refuted, vacuous, conditional or inconclusive one
(:func:`kmrbf.verdict.weak_support`) is drawn with a dashed red outline.

:func:`layered_layout` is a small Sugiyama layout: a claim's layer is the length of the longest
chain of claims below it, edges that span several layers pass through dummy points, and the
order within each layer comes from barycentre sweeps (the order with the fewest crossings
wins; ties keep catalog order), so the drawing is deterministic.  :func:`draw_graph` writes it
as a PDF without time stamps: the same results give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["GraphLayout", "layered_layout", "crossings", "node_positions", "draw_graph", "VERDICT_RGB",
           "save_pdf_bytes"]

#: verdict -> RGB, the colours of the report's verdict macros (verification.tex.j2)
VERDICT_RGB = {
    "verified": (0.0, 0.45, 0.1),
    "verified_sharper": (0.0, 0.45, 0.1),
    "conditional": (0.7, 0.4, 0.0),
    "refuted": (0.75, 0.0, 0.0),
    "vacuous": (0.75, 0.0, 0.0),
    "inconclusive": (0.4, 0.4, 0.4),
}


@dataclass(frozen=True)
class GraphLayout:
    """Layers (top = claims resting on nothing) of node names; dummy points are ``"~src~dst~i"``.

    ``edges`` are the drawn segments between consecutive layers (``(upper, lower)``), ``paths``
    the original edges ``(premise, consequence)`` as the list of points they pass through.
    """

    layers: tuple[tuple[str, ...], ...]
    edges: tuple[tuple[str, str], ...]
    paths: tuple[tuple[str, ...], ...]

    def layer_of(self, node: str) -> int:
        return next(i for i, layer in enumerate(self.layers) if node in layer)


def crossings(layers: Sequence[Sequence[str]], edges: Sequence[tuple[str, str]]) -> int:
    """Number of pairs of segments between consecutive layers that cross.

    Examples
    --------
    >>> crossings([["a", "b"], ["c", "d"]], [("a", "d"), ("b", "c")])
    1
    >>> crossings([["a", "b"], ["c", "d"]], [("a", "c"), ("b", "d")])
    0
    """
    pos = {n: i for layer in layers for i, n in enumerate(layer)}
    level = {n: li for li, layer in enumerate(layers) for n in layer}
    total = 0
    for li in range(len(layers) - 1):
        segs = [(pos[u], pos[v]) for u, v in edges if level[u] == li and level[v] == li + 1]
        for i, (a, b) in enumerate(segs):
            for c, d in segs[i + 1:]:
                total += (a - c) * (b - d) < 0
    return total


def layered_layout(nodes: Sequence[str], uses: Mapping[str, Sequence[str]], *, sweeps: int = 12) -> GraphLayout:
    """Layer and order ``nodes`` (in catalog order) so that premises sit above their consequences.

    Parameters
    ----------
    nodes : sequence of str
        The claims to draw, in catalog order.
    uses : mapping
        Claim -> the claims it uses; ids outside ``nodes`` are ignored.
    sweeps : int
        Barycentre passes (alternately downwards and upwards).

    Returns
    -------
    GraphLayout

    Raises
    ------
    ValueError
        If ``uses`` has a cycle among ``nodes``.

    Examples
    --------
    >>> g = layered_layout(["a", "b", "c"], {"c": ("a", "b"), "b": ("a",)})
    >>> g.layers
    (('a',), ('b', '~a~c~1'), ('c',))
    """
    index = {n: i for i, n in enumerate(nodes)}
    below = {n: [u for u in uses.get(n, ()) if u in index] for n in nodes}
    level: dict[str, int] = {}

    def depth(n: str, path: tuple[str, ...]) -> int:
        if n in path:
            raise ValueError(f"uses has a cycle: {' -> '.join(path[path.index(n):] + (n,))}")
        if n not in level:
            level[n] = 1 + max((depth(u, path + (n,)) for u in below[n]), default=-1)
        return level[n]

    for n in nodes:
        depth(n, ())
    layers: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for n in nodes:
        layers[level[n]].append(n)
    edges, paths = [], []
    for n in nodes:
        for u in below[n]:
            chain = [u] + [f"~{u}~{n}~{i}" for i in range(level[u] + 1, level[n])] + [n]
            for i, d in enumerate(chain[1:-1], start=level[u] + 1):
                layers[i].append(d)
            edges += list(zip(chain, chain[1:]))
            paths.append(tuple(chain))
    up = {n: [] for layer in layers for n in layer}
    down = {n: [] for layer in layers for n in layer}
    for a, b in edges:
        down[a].append(b)
        up[b].append(a)
    best = [list(x) for x in layers]
    best_c = crossings(best, edges)
    cur = [list(x) for x in layers]
    for s in range(sweeps):
        order = range(1, len(cur)) if s % 2 == 0 else range(len(cur) - 2, -1, -1)
        for li in order:
            ref = cur[li - 1] if s % 2 == 0 else cur[li + 1]
            pos = {n: i for i, n in enumerate(ref)}
            nbrs = up if s % 2 == 0 else down
            old = {n: i for i, n in enumerate(cur[li])}

            def key(n: str) -> tuple[float, int]:
                ps = [pos[m] for m in nbrs[n]]
                return (sum(ps) / len(ps) if ps else old[n], old[n])

            cur[li] = sorted(cur[li], key=key)
        c = crossings(cur, edges)
        if c < best_c:
            best, best_c = [list(x) for x in cur], c
    return GraphLayout(tuple(tuple(x) for x in best), tuple(edges), tuple(paths))


def node_positions(layout: GraphLayout, *, box: float = 1.0, point: float = 0.2, gap: float = 0.35,
                   passes: int = 24) -> dict[str, float]:
    """Positions along the layers: each near the mean of its neighbours, in layer order, never overlapping.

    A claim takes ``box`` along its layer, a dummy point ``point``, with ``gap`` between; the
    passes alternate between the layers above and below, and the result is centred on 0.

    Examples
    --------
    >>> node_positions(layered_layout(["a", "b"], {"b": ("a",)}))
    {'a': 0.0, 'b': 0.0}
    """
    width = {n: (point if n.startswith("~") else box) for layer in layout.layers for n in layer}
    nbrs: dict[str, list[str]] = {n: [] for n in width}
    for a, b in layout.edges:
        nbrs[a].append(b)
        nbrs[b].append(a)
    x: dict[str, float] = {}
    for layer in layout.layers:  # packed and centred
        total = sum(width[n] for n in layer) + gap * (len(layer) - 1)
        left = -total / 2
        for n in layer:
            x[n] = left + width[n] / 2
            left += width[n] + gap

    def place(layer: tuple[str, ...], want: list[float]) -> None:
        sep = [(width[a] + width[b]) / 2 + gap for a, b in zip(layer, layer[1:])]
        pos = list(want)
        for i in range(1, len(pos)):  # push forward, then back, keeping the order
            pos[i] = max(pos[i], pos[i - 1] + sep[i - 1])
        for i in range(len(pos) - 2, -1, -1):
            pos[i] = min(pos[i], pos[i + 1] - sep[i])
        shift = sum(w - p for w, p in zip(want, pos)) / len(pos)
        for n, p in zip(layer, pos):
            x[n] = p + shift

    order = list(range(len(layout.layers)))
    for s in range(passes):
        for li in (order if s % 2 == 0 else order[::-1]):
            layer = layout.layers[li]
            want: list[float] = []
            for i, n in enumerate(layer):  # a point without neighbours follows its predecessor
                if nbrs[n]:
                    want.append(sum(x[m] for m in nbrs[n]) / len(nbrs[n]))
                elif i:
                    want.append(want[-1] + (width[layer[i - 1]] + width[n]) / 2 + gap)
                else:
                    want.append(x[n])
            place(layer, want)
    mid = (min(x.values()) + max(x.values())) / 2 if x else 0.0
    return {n: round(v - mid, 6) + 0.0 for n, v in x.items()}


def save_pdf_bytes(fig) -> bytes:
    """``fig`` as PDF bytes without creation date or producer (the same figure gives the same bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None,
                                             "Creator": None})
    return buf.getvalue()


def draw_graph(layout: GraphLayout, verdicts: Mapping[str, str], flagged: Mapping[str, Sequence[str]],
               *, prefix: str = "") -> bytes:
    """Draw ``layout`` as PDF bytes: boxes coloured by verdict, dashed red outline when flagged.

    Parameters
    ----------
    layout : GraphLayout
    verdicts : mapping
        Claim -> verdict (:data:`VERDICT_RGB` keys).
    flagged : mapping
        Claim -> the weak claims it rests on (non-empty: flagged).
    prefix : str
        Stripped from the labels (``"KR-"``).

    Returns
    -------
    bytes
        The PDF.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    # layers are columns (premises left, consequences right); sizes in inches
    col, box_w, box_h, unit = 1.3, 1.0, 0.24, 0.24
    pos = node_positions(layout, box=1.0, point=0.25, gap=0.3)
    xy = {n: (li * col, -pos[n] * unit) for li, layer in enumerate(layout.layers) for n in layer}
    ys = [y for _, y in xy.values()] or [0.0]
    fig_w = 6.3
    top, bottom = max(ys) + box_h, min(ys) - box_h
    fig_h = top - bottom
    x0 = (fig_w - (len(layout.layers) - 1) * col) / 2
    with plt.rc_context({"font.family": "DejaVu Sans", "font.size": 6.5, "pdf.compression": 6}):
        fig = plt.figure(figsize=(fig_w, fig_h))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(-x0, fig_w - x0)
        ax.set_ylim(bottom, top)
        ax.axis("off")
        for path in layout.paths:
            pts = [xy[n] for n in path]
            px = [p[0] for p in pts]
            py = [p[1] for p in pts]
            px[0] += box_w / 2
            px[-1] -= box_w / 2 + 0.01
            ax.plot(px[:-1], py[:-1], color="0.55", lw=0.6, zorder=1, solid_capstyle="butt")
            ax.annotate("", xy=(px[-1], py[-1]), xytext=(px[-2], py[-2]),
                        arrowprops=dict(arrowstyle="-|>", color="0.55", lw=0.6, mutation_scale=6,
                                        shrinkA=0, shrinkB=0), zorder=1)
        for layer in layout.layers:
            for n in layer:
                if n.startswith("~"):
                    continue
                x, y = xy[n]
                rgb = VERDICT_RGB.get(verdicts.get(n, "inconclusive"), VERDICT_RGB["inconclusive"])
                fill = tuple(1 - 0.2 * (1 - c) for c in rgb)
                weak = bool(flagged.get(n))
                ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                            boxstyle="round,pad=0,rounding_size=0.05", facecolor=fill,
                                            edgecolor=(0.75, 0, 0) if weak else rgb, lw=1.1 if weak else 0.8,
                                            linestyle=(0, (2.5, 1.5)) if weak else "-", zorder=2))
                label = n[len(prefix):] if prefix and n.startswith(prefix) else n
                ax.text(x, y, label + (" (!)" if weak else ""), ha="center", va="center", zorder=3,
                        color="black")
        data = save_pdf_bytes(fig)
        plt.close(fig)
    return data
