r"""Evidence for KR-T2-grad: the extra term of :math:`\nabla W_\sigma`, and the RBF step against the
Lloyd step (float64 bounds, and the exact rate in arb).

Bound (paper role).  With :math:`g_{ij}=d_{ij}-d_{i,c(i)}\ge\Delta` (Voronoi margin of :math:`M`),
the extra term :math:`E_k=-\tfrac2\sigma\sum_ir_{ik}(\mu_k-x_i)(d_{ik}-\bar d_i)` obeys
:math:`r_{ik}\lvert d_{ik}-\bar d_i\rvert\le(K-1)\,s_i\,e^{-\Delta/\sigma}` with
:math:`s_i=\max_jd_{ij}-\min_jd_{ij}` (own cell: :math:`\bar d_i-d_{ik}=\sum_{j\ne k}r_{ij}g_{ij}`,
:math:`r_{ij}\le e^{-g_{ij}/\sigma}`; foreign cell: :math:`r_{ik}\le e^{-\Delta/\sigma}`), so

.. math::

    \lVert E_k\rVert\le B_k=\frac{2(K-1)}{\sigma}e^{-\Delta/\sigma}\sum_i\lVert\mu_k-x_i\rVert s_i .

The RBF step with :math:`\eta_k=1/(2S_k)`, :math:`S_k=\sum_ir_{ik}`, is
:math:`\hat\mu_k-E_k/(2S_k)`, hence with :math:`L_k` the Lloyd update (mean of the Voronoi
cell :math:`C_k` of :math:`M`, :math:`n_k=\lvert C_k\rvert`) and
:math:`A^L_k=(K-1)\sum_{C_k}\lVert x_i-L_k\rVert+\sum_{i\notin C_k}\lVert x_i-L_k\rVert`:

.. math::

    \lVert\text{step}_k-L_k\rVert\le\frac{\varepsilon A^L_k+B_k/2}{n_k(1-(K-1)\varepsilon)},
    \qquad\varepsilon=e^{-\Delta/\sigma}.

The exact rate (sharper role) is derived and checked in :mod:`kmrbf.claims.theorems_grad_rate`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ..strategies import voronoi_instances
from .theorems import gamma, rel_sigmas, scaled_property

__all__: list[str] = []


def _pieces(X: np.ndarray, M: np.ndarray, sigma: float, delta: float) -> dict[str, Any]:
    from .. import numerics as nx

    K = M.shape[0]
    d = ((X[:, None, :] - M[None]) ** 2).sum(-1)
    r = np.asarray(nx.responsibilities(X, M, sigma))
    diff = M[None, :, :] - X[:, None, :]  # (N,K,D)
    dist = np.sqrt((diff**2).sum(-1))
    spread = d.max(1) - d.min(1)
    eps = math.exp(-delta / sigma)
    B = 2 * (K - 1) / sigma * eps * (dist * spread[:, None]).sum(0)
    grad = np.asarray(nx.grad_W_sigma(X, M, sigma))
    E = grad - 2 * (r[:, :, None] * diff).sum(0)
    dbar = (r * d).sum(1, keepdims=True)
    # rounding: every term of grad carries gamma_c relative error on r|mu-x|(1 + (d + dbar)/sigma)
    tol = gamma(X.shape[0] + 4 * K + 4 * X.shape[1] + 16) * 2 * (
        r * dist * (1 + (d + dbar) / sigma) + dist).sum(0)
    return {"r": r, "B": B, "E": E, "tol": tol, "eps": eps, "dist": dist}


@scaled_property("KR-T2-grad", "float64-extra-term-bound", fraction=1.0,
                 strategies={"vi": voronoi_instances(), "t": rel_sigmas()},
                 strategy_summary="Lloyd fixed points with centroids shifted on the grid (Voronoi margin "
                                  "Delta > 0 exact, non-empty cells); sigma = t Delta, t in [1e-3, 1]")
def t2_extra(vi: tuple[np.ndarray, np.ndarray, np.ndarray, Fraction], t: float) -> None:
    r"""The responsibility-derivative term of :math:`\nabla_{\mu_k}W_\sigma` (library gradient minus
    :math:`2\sum_ir_{ik}(\mu_k-x_i)`) is at most
    :math:`B_k=\tfrac{2(K-1)}\sigma e^{-\Delta/\sigma}\sum_i\lVert\mu_k-x_i\rVert s_i\to0`."""
    X, M, labels, delta = vi
    sigma = t * float(delta)
    p = _pieces(X, M, sigma, float(delta))
    for k in range(M.shape[0]):
        e = float(np.linalg.norm(p["E"][k]))
        assert e <= p["B"][k] + p["tol"][k], f"k={k}: ||E_k|| = {e!r} > B_k = {p['B'][k]!r}"


@scaled_property("KR-T2-grad", "float64-rbf-step-vs-lloyd", fraction=1.0,
                 strategies={"vi": voronoi_instances(), "t": rel_sigmas()},
                 strategy_summary="as float64-extra-term-bound; sigma = t Delta/ln(2(K-1)) (so (K-1)eps <= 1/2)")
def t2_step(vi: tuple[np.ndarray, np.ndarray, np.ndarray, Fraction], t: float) -> None:
    r"""One full-gradient RBF step (:math:`\eta_k=1/(2S_k)`, library ``rbf_gradient_step``) is within
    :math:`(\varepsilon A^L_k+B_k/2)/(n_k(1-(K-1)\varepsilon))` of the Lloyd step (module docstring)."""
    from .. import numerics as nx

    X, M, labels, delta = vi
    K = M.shape[0]
    sigma = t * float(delta) / math.log(max(2 * (K - 1), 2))
    p = _pieces(X, M, sigma, float(delta))
    step = np.asarray(nx.rbf_gradient_step(X, M, sigma))
    L = np.stack([X[labels == k].mean(0) for k in range(K)])
    eps = p["eps"]
    R = float(np.abs(X).max() + np.abs(M).max())
    for k in range(K):
        own = labels == k
        dl = np.sqrt(((X - L[k]) ** 2).sum(1))
        A = (K - 1) * dl[own].sum() + dl[~own].sum()
        nk = int(own.sum())
        bound = (eps * A + p["B"][k] / 2) / (nk * (1 - (K - 1) * eps))
        # step = M - eta*grad: |M| and the soft centroid carry gamma_c * R; E_k/(2S_k) its own tol
        tol = gamma(X.shape[0] + 4 * K + 16) * R * math.sqrt(X.shape[1]) + p["tol"][k] / (2 * nk * (1 - (K - 1) * eps))
        gap = float(np.linalg.norm(step[k] - L[k]))
        assert gap <= bound + tol, f"k={k}: ||step - Lloyd|| = {gap!r} > {bound!r}"

