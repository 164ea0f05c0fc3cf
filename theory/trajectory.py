r"""Where the soft trajectory does not tend to Lloyd's (KR-T2-traj): a tie and an empty cell.

One soft step from :math:`M`, with softmax responsibilities :math:`r_{ik}=e^{-d_{ik}/\sigma}/\sum_je^{-d_{ij}/\sigma}`:
the soft-Lloyd step :math:`\hat\mu_k=\sum_ir_{ik}x_i/\sum_ir_{ik}` (the gradient step on :math:`G_\sigma`) and the
RBF step :math:`\mu_k-\nabla_{\mu_k}W_\sigma/(2\sum_ir_{ik})` (Algorithm 2).  As :math:`\sigma\to0` a point tied
between two centroids keeps the weight :math:`1/2` on each, whatever :math:`\sigma`; Lloyd gives it to one of them
(the lowest index here; the other choice is no closer).  A centroid with an empty Voronoi cell keeps its position
under Lloyd, while its soft centroid is a convex combination of the data for every :math:`\sigma`.

* Tie: :math:`X=\{-1,0,1\}`, :math:`M=(-1,1)`.  Lloyd: :math:`(-1/2,1)`.  Soft-Lloyd:
  :math:`\hat\mu_2=\tfrac23(1-\varepsilon)/(1+\varepsilon)`, :math:`\varepsilon=e^{-4/\sigma}`, so
  :math:`1-\hat\mu_2\ge1/3` for every :math:`\sigma>0`, and both soft steps tend to :math:`(-2/3,2/3)`.
* Empty cell: :math:`X=\{0,1,3\}`, :math:`M=(0,3,10)`.  Lloyd keeps :math:`\mu_3=10`; the soft-Lloyd
  :math:`\hat\mu_3\le3` for every :math:`\sigma` and tends to :math:`3` (the point with the smallest gap to
  :math:`\mu_3`).  (The RBF step of that centroid diverges like :math:`49\cdot7/\sigma`; the arb experiment of
  KR-T2-traj measures it.)

Examples
--------
>>> kr_t2_traj_limits().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .entropic import sigma
from .obligations import Identity, LimitIs, Sign
from .spotcheck import uniform_sampler

__all__ = ["kr_t2_traj_limits", "soft_step"]


def soft_step(X: list[sp.Expr], M: list[sp.Expr], k: int, which: str = "soft-lloyd", s: sp.Expr = sigma) -> sp.Expr:
    r"""Centroid ``k`` after one soft step from ``M`` (1-D data), as a SymPy expression in :math:`\sigma`.

    Parameters
    ----------
    X, M : list of sympy.Expr
        1-D data and centroids.
    k : int
        The centroid.
    which : {"soft-lloyd", "rbf"}
        :math:`\sum_ir_{ik}x_i/\sum_ir_{ik}`, or :math:`\mu_k-\partial_{\mu_k}W_\sigma/(2\sum_ir_{ik})`.
    s : sympy.Expr, optional
        The temperature.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> round(float(soft_step([-1, 0, 1], [-1, 1], 1, s=sp.Integer(4))), 12)    # (2/3) tanh(1/2)
    0.30807810484
    """
    ms = list(sp.symbols(f"m_0:{len(M)}", real=True))
    d = [[(x - mu) ** 2 for mu in ms] for x in X]
    r = [[sp.exp(-dij / s) / sum(sp.exp(-dl / s) for dl in row) for dij in row] for row in d]
    S = sum(r[i][k] for i in range(len(X)))
    if which == "soft-lloyd":
        e = sum(r[i][k] * X[i] for i in range(len(X))) / S
    elif which == "rbf":
        W = sum(r[i][j] * d[i][j] for i in range(len(X)) for j in range(len(M)))
        e = ms[k] - sp.diff(W, ms[k]) / (2 * S)
    else:
        raise ValueError(f"which={which!r}")
    return e.subs(dict(zip(ms, M)))


@functools.lru_cache(maxsize=None)
def kr_t2_traj_limits() -> Derivation:
    r"""KR-T2-traj: at a tie and at an empty cell the soft step does not tend to the Lloyd step."""
    D = Derivation(
        "KR-T2-traj: the sigma -> 0 limit of the soft step at a tie and at an empty cell",
        r"$X=\{-1,0,1\}$, $M=(-1,1)$ (the point 0 tied): both soft steps tend to $(-2/3,2/3)$, Lloyd gives "
        r"$(-1/2,1)$, and $\lvert1-\hat\mu_2(\sigma)\rvert\ge1/3$ for every $\sigma>0$. $X=\{0,1,3\}$, $M=(0,3,10)$ "
        r"(cell 3 empty): Lloyd keeps $\mu_3=10$, the soft-Lloyd $\hat\mu_3\le3$ for every $\sigma$ and tends to 3.",
    )
    eps = sp.exp(-4 / sigma)
    samp = uniform_sampler({sigma: (sp.Rational(1, 4), 4)})
    tie_soft = soft_step([-1, 0, 1], [-1, 1], 1)
    closed = sp.Rational(2, 3) * (1 - eps) / (1 + eps)
    D.step(r"Tie, soft-Lloyd step of $\mu_2$:", sp.Eq(sp.Symbol(r"\hat\mu_2"), closed))
    D.oblige(Identity("tie: soft-Lloyd mu_2 = (2/3)(1 - e^{-4/sigma})/(1 + e^{-4/sigma})", tie_soft, closed,
                      sampler=samp))
    D.oblige(Sign("tie: 1 - mu_2 - 1/3 >= 0 for every sigma (Lloyd: mu_2 = 1)", sp.Rational(2, 3) - closed, ">=",
                  sampler=samp, statement=r"1-\hat\mu_2(\sigma)\ge\tfrac13\quad(\sigma>0)"))
    D.oblige(LimitIs("tie: soft-Lloyd mu_2 -> 2/3", tie_soft, sigma, 0, sp.Rational(2, 3)))
    D.oblige(LimitIs("tie: RBF step mu_2 -> 2/3", soft_step([-1, 0, 1], [-1, 1], 1, "rbf"), sigma, 0,
                     sp.Rational(2, 3)))
    D.oblige(LimitIs("tie: soft-Lloyd mu_1 -> -2/3 (Lloyd: -1/2)", soft_step([-1, 0, 1], [-1, 1], 0), sigma, 0,
                     -sp.Rational(2, 3)))
    empty = soft_step([0, 1, 3], [0, 3, 10], 2)
    D.step(r"Empty cell, soft-Lloyd step of $\mu_3$ (a convex combination of $0,1,3$):",
           sp.Eq(sp.Symbol(r"\hat\mu_3"), sp.simplify(empty)))
    D.oblige(Sign("empty: 3 - mu_3 >= 0 for every sigma (Lloyd keeps mu_3 = 10)", sp.simplify(3 - empty), ">=",
                  sampler=samp, statement=r"10-\hat\mu_3(\sigma)\ge7\quad(\sigma>0)"))
    D.oblige(LimitIs("empty: soft-Lloyd mu_3 -> 3", sp.simplify(empty), sigma, 0, 3))
    D.conclusion = (r"At a tie the soft steps converge to the uniform split of the tied point, not to Lloyd's "
                    r"choice; at an empty cell the soft centroid stays in the data's hull (deviation $\ge7$ here) "
                    r"while Lloyd keeps the centroid: the trajectories are not identical in the limit.")
    return D
