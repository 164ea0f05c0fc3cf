r"""Exact Lloyd fixed points: the instances of Theorems 3 and 4 (SPEC §1).

A *Lloyd fixed point* :math:`M^*` of data :math:`X` has every centroid equal to
the mean of its own Voronoi cell,

.. math::

    \mu^*_k=\frac1{n_k}\sum_{i\in C_k}x_i,\qquad
    C_k=\{i:\ \arg\min_j\lVert x_i-\mu^*_j\rVert^2=k\},\qquad n_k=\lvert C_k\rvert\ge1,

with a strictly positive margin :math:`\Delta=\min_i(d_{i(2)}-d_{i(1)})>0` (squared
distances).  This module builds and verifies such instances **in exact rational
arithmetic** (:class:`fractions.Fraction`): the data are binary floats (dyadic
rationals), the means are exact rationals, the partition is re-derived from the
exact means and every gap is an exact rational.  The float64 centroids
``M`` are the correctly rounded exact means.  When the data lie on a dyadic grid
whose cell sums fit in 53 bits (the strategies use multiples of ``2**-6`` in
``[-10, 10]``, so at most 60 points need ``< 20`` bits), the float64 cell mean
``sum(x_i)/n_k`` is exact-sum-then-one-rounding, i.e. bit-for-bit ``M``.

Per-cell margin :math:`\Delta_k`: the smallest gap that *touches* cell :math:`k`,

.. math::

    \Delta_k=\min\Bigl(\min_{i\in C_k,\ j\ne k}(d_{ij}-d_{ik}),\
    \min_{i\notin C_k}(d_{ik}-d_{i,c(i)})\Bigr)\ \ge\ \Delta ,

where :math:`c(i)` is the cell of :math:`x_i`.  It is the exponential rate of
:math:`\lVert\hat\mu_k(\sigma)-\mu^*_k\rVert` (Theorem 3, SPEC KR-T3).

Examples
--------
>>> import numpy as np
>>> inst = from_partition(np.array([[0.0], [1.0], [4.0], [6.0]]), [0, 0, 1, 1])
>>> inst.M.tolist(), inst.delta, inst.delta_k
([[0.5], [5.0]], Fraction(45, 4), (Fraction(45, 4), Fraction(45, 4)))
>>> from_partition(np.array([[0.0], [2.0], [3.0]]), [0, 0, 1]) is None   # x=2 ties: margin 0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["LloydInstance", "from_partition", "lloyd_fixed_point", "random_lloyd_instances", "certified_instances"]


@dataclass(frozen=True)
class LloydInstance:
    r"""A verified Lloyd fixed point with positive margin.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        float64 data (their exact values are the dyadic rationals ``X_exact``).
    M : ndarray of shape (K, D)
        float64 centroids, the correctly rounded exact cell means.
    labels : ndarray of shape (N,), int64
        Cell :math:`c(i)\in\{0,\dots,K-1\}` of each point; every cell non-empty.
    X_exact : tuple of N tuples of D Fraction
        Exact data (the dyadic values of ``X``).
    M_exact : tuple of K tuples of D Fraction
        Exact means :math:`\mu^*_k` of the cells.
    delta : Fraction
        Exact margin :math:`\Delta=\min_k\Delta_k` in squared distance (``> 0`` for
        ``K >= 2``; 0 for ``K = 1``, which has no gap).
    delta_k : tuple of K Fraction
        Exact per-cell margins :math:`\Delta_k\ge\Delta` (module docstring).
    counts : tuple of K int
        Cell sizes :math:`n_k\ge1`.
    """

    X: np.ndarray
    M: np.ndarray
    labels: np.ndarray
    X_exact: tuple[tuple[Fraction, ...], ...]
    M_exact: tuple[tuple[Fraction, ...], ...]
    delta: Fraction
    delta_k: tuple[Fraction, ...]
    counts: tuple[int, ...]

    @property
    def N(self) -> int:  # noqa: N802 - mathematical names
        return int(self.X.shape[0])

    @property
    def K(self) -> int:  # noqa: N802
        return int(self.M.shape[0])

    @property
    def D(self) -> int:  # noqa: N802
        return int(self.X.shape[1])

    @property
    def m(self) -> int:
        """Smallest cell size."""
        return min(self.counts)

    @property
    def diam(self) -> float:
        r""":math:`\operatorname{diam}(X)=\max_{i,j}\lVert x_i-x_j\rVert` (float64)."""
        diff = self.X[:, None, :] - self.X[None, :, :]
        return float(np.sqrt((diff**2).sum(-1).max()))

    def A(self) -> np.ndarray:  # noqa: N802
        r"""Theorem 3's :math:`A_k=(K-1)\sum_{i\in C_k}\lVert x_i-\mu^*_k\rVert+\sum_{i\notin C_k}\lVert x_i-\mu^*_k\rVert`."""
        dist = np.sqrt(((self.X[:, None, :] - self.M[None, :, :]) ** 2).sum(-1))  # (N, K)
        own = self.labels[:, None] == np.arange(self.K)[None, :]
        return ((self.K - 1) * np.where(own, dist, 0.0) + np.where(own, 0.0, dist)).sum(0)

    def __repr__(self) -> str:
        return (f"LloydInstance(N={self.N}, K={self.K}, D={self.D}, counts={self.counts}, "
                f"delta={float(self.delta):.6g}, X={self.X.tolist()!r})")


def _exact_sq(x: Sequence[Fraction], m: Sequence[Fraction]) -> Fraction:
    return sum(((a - b) ** 2 for a, b in zip(x, m)), Fraction(0))


def from_partition(X: np.ndarray, labels: Sequence[int]) -> LloydInstance | None:
    r"""The Lloyd fixed point whose cells are ``labels``, or ``None`` if it is not one.

    Computes the exact means of the cells and re-assigns every point exactly;
    returns ``None`` unless every cell is non-empty, every point's strictly
    nearest mean is its own (so :math:`\Delta>0`), i.e. the partition is a
    Lloyd fixed point with positive margin.

    Parameters
    ----------
    X : array-like of shape (N, D)
        Data, cast to float64 (its exact dyadic values are used); ``N >= 1``.
    labels : sequence of N int
        Cell of every point; the cells are ``0..max(labels)``.

    Returns
    -------
    LloydInstance or None
        The instance, or None if a label is negative, a cell in
        ``0..max(labels)`` is empty, or some point is not strictly nearest to its own
        exact cell mean (margin 0 or not a fixed point).

    Raises
    ------
    ValueError
        If ``X`` is not a non-empty 2-D array, or ``labels`` does not have length N.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty (N, D) array, got shape {X.shape}")
    lab = np.asarray(labels, dtype=np.int64)
    if lab.shape != (X.shape[0],):
        raise ValueError(f"labels has shape {lab.shape}, expected ({X.shape[0]},)")
    K = int(lab.max()) + 1
    counts = tuple(int((lab == k).sum()) for k in range(K))
    if min(counts) == 0 or lab.min() < 0:
        return None
    Xq = tuple(tuple(Fraction(float(v)) for v in row) for row in X)
    Mq = tuple(
        tuple(sum((Xq[i][c] for i in np.flatnonzero(lab == k)), Fraction(0)) / counts[k]
              for c in range(X.shape[1]))
        for k in range(K)
    )
    d = [[_exact_sq(x, m) for m in Mq] for x in Xq]
    gaps_k: list[Fraction | None] = [None] * K
    for i, row in enumerate(d):
        own = int(lab[i])
        for j in range(K):
            if j == own:
                continue
            g = row[j] - row[own]
            if g <= 0:
                return None  # not the strictly nearest: not a fixed point with margin
            for k in (own, j):  # the gap touches the own cell and the foreign cell
                if gaps_k[k] is None or g < gaps_k[k]:
                    gaps_k[k] = g
    if K == 1:
        gaps_k = [Fraction(0)]
    delta_k = tuple(g if g is not None else Fraction(0) for g in gaps_k)
    M = np.array([[float(v) for v in row] for row in Mq], dtype=np.float64)
    return LloydInstance(X=X, M=M, labels=lab, X_exact=Xq, M_exact=Mq, delta=min(delta_k),
                         delta_k=delta_k, counts=counts)


def lloyd_fixed_point(X: np.ndarray, M0: np.ndarray, *, max_iter: int = 100) -> LloydInstance | None:
    """Run Lloyd (float64, ties to the lowest index) from ``M0``; verify the limit exactly.

    Returns the exact instance of the final partition, or ``None`` when Lloyd
    does not settle within ``max_iter`` steps, a cell empties, or the exact
    fixed point has a tie (margin 0).

    Parameters
    ----------
    X : array-like of shape (N, D)
        Data, cast to float64.
    M0 : array-like of shape (K, D)
        Initial centroids, cast to float64 (not modified).
    max_iter : int, optional
        Maximum number of assignment steps (not validated; ``< 2`` always gives
        None, since settling needs two equal assignments).

    Returns
    -------
    LloydInstance or None
        The exactly verified instance (:func:`from_partition`) of the settled
        partition, or None.
    """
    X = np.asarray(X, dtype=np.float64)
    M = np.asarray(M0, dtype=np.float64).copy()
    K = M.shape[0]
    labels = None
    for _ in range(max_iter):
        d = ((X[:, None, :] - M[None, :, :]) ** 2).sum(-1)
        new = d.argmin(1)
        if labels is not None and np.array_equal(new, labels):
            return from_partition(X, labels)
        labels = new
        if len(np.unique(labels)) < K:
            return None
        M = np.stack([X[labels == k].mean(0) for k in range(K)])
    return None


def random_lloyd_instances(rng: np.random.Generator, n: int, *, max_k: int = 3, max_d: int = 2,
                           spread: int = 64, max_per_cell: int = 5) -> list[LloydInstance]:
    r"""``n`` exact Lloyd fixed points drawn on the grid :math:`2^{-6}\mathbb Z`.

    Each draw takes :math:`K\in[2,\text{max\_k}]`, :math:`D\in[1,\text{max\_d}]`, seeds with
    coordinates in :math:`[-5,5]`, and around every seed 1 to ``max_per_cell`` points offset by at
    most ``spread`` grid steps; :func:`lloyd_fixed_point` runs Lloyd from the seeds and keeps the
    draw if its limit is verified exactly.  Deterministic in ``rng``'s state.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of the draws (advanced by the call).
    n : int
        How many instances to return (``n <= 0``: none).
    max_k, max_d : int, optional
        Largest number of cells and dimension (defaults 3 and 2).
    spread : int, optional
        Largest offset of a point from its seed, in grid steps of :math:`2^{-6}` (default 64).
    max_per_cell : int, optional
        Largest number of points drawn around one seed (default 5).

    Returns
    -------
    list of LloydInstance
        The exact fixed points, in draw order.
    """
    out: list[LloydInstance] = []
    while len(out) < n:
        k, d = int(rng.integers(2, max_k + 1)), int(rng.integers(1, max_d + 1))
        seeds = rng.integers(-320, 321, (k, d)) * 2.0**-6
        X = np.concatenate([seeds[c] + rng.integers(-spread, spread + 1, (int(rng.integers(1, max_per_cell + 1)), d))
                            * 2.0**-6 for c in range(k)])
        inst = lloyd_fixed_point(X, seeds)
        if inst is not None:
            out.append(inst)
    return out


def certified_instances() -> list[tuple[str, LloydInstance]]:
    r"""Fixed, named instances used by the arb certificates (small, exact, :math:`\Delta>0`).

    Returns
    -------
    list of (str, LloydInstance)
        Three ``(name, instance)`` pairs: ``"line-K2"`` (N=5, D=1),
        ``"triangle-K3"`` (N=9, D=2) and ``"tetra-K4"`` (N=8, D=3), each with exact
        :math:`\Delta>0`.

    Examples
    --------
    >>> [(name, inst.N, inst.K, inst.D, str(inst.delta)) for name, inst in certified_instances()]
    [('line-K2', 5, 2, 1, '513/16'), ('triangle-K3', 9, 3, 2, '266/9'), ('tetra-K4', 8, 4, 3, '1299/64')]
    """
    out = []
    x1 = np.array([[0.0], [1.0], [2.0], [7.0], [8.5]])
    out.append(("line-K2", from_partition(x1, [0, 0, 0, 1, 1])))
    x2 = np.array([[0, 0], [1, 0], [0, 1.5], [6, 0], [7, 1], [6.5, -1], [3, 6], [4, 7], [2.5, 7.25]])
    out.append(("triangle-K3", from_partition(x2, [0, 0, 0, 1, 1, 1, 2, 2, 2])))
    x3 = np.array([[0, 0, 0], [0.5, 0.25, 0], [5, 0, 0], [5, 1, 0.5],
                   [0, 5, 0], [0.75, 5, 0], [0, 0, 5], [0.25, 0.5, 5]])
    out.append(("tetra-K4", from_partition(x3, [0, 0, 1, 1, 2, 2, 3, 3])))
    assert all(inst is not None for _, inst in out)
    return out  # type: ignore[return-value]
