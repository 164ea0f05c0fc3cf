r"""Evidence for VF-S31-entropy (VF §3.1): does the entropy term, as printed, discourage confident assignments?

VF minimises :math:`\mathcal L=\sum ud-\lambda_e\sum u\log u+\lambda_{kl}\sum u\log(u/u^{prev})` and says
(§3.1) that in a minimisation objective the second term "inherently discourages confident (low-entropy)
assignments".  As printed the term is :math:`\lambda_eH(u)\ge0`, zero at one-hot memberships: minimised,
it rewards them.

* ``printed-sign`` (paper, symbolic, :func:`kmrbf.theory.vf_s31_entropy`): one-hot against uniform,
  curvature along the simplex, and the slope from uniform towards a vertex;
* ``confident-costs-more`` (paper, property): float64 memberships :math:`u` and the less confident
  :math:`v=(1-s)u+s\tfrac1K\mathbf 1` (strictly higher entropy unless :math:`u` is uniform): the paper's
  statement requires :math:`E(u)>E(v)`;
* ``reversed-sign`` (instead, symbolic) and ``reversed-sign-numeric`` (instead, property): with the
  sign reversed the term is :math:`\lambda_e(\mathrm{KL}(u\Vert\tfrac1K\mathbf 1)-\log K)`, strictly convex,
  and a confident :math:`u` costs more than :math:`v`.

Tolerance (error analysis).  :math:`u_k=w_k/\sum w` is correctly rounded from the exact rational,
:math:`v_k` carries three roundings; the term :math:`\lambda_e\sum_ku_k\log u_k` adds a log, a product, a
sum of :math:`K` terms and a product (:math:`K+3` roundings).  A relative perturbation :math:`\delta` of
:math:`u_k` moves :math:`u_k\log u_k` by at most :math:`|\log u_k+1|\,u_k\delta`, so the float64 term is
within :math:`e(u)=\gamma_{K+8}\,\lambda_e\sum_ku_k(|\log u_k|+1)` of the exact term at the intended
point (Higham §3.1).  An example decides only when :math:`|E(u)-E(v)|>e(u)+e(v)` (otherwise
``assume`` discards it; with integer weights and :math:`s\ge1/16` none is that close unless :math:`u` is uniform).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from .. import theory
from ..evidence import EvidenceList
from ..evidence.roundoff import slack

__all__ = ["entropy_term", "entropy_term_tol"]

EVIDENCE = EvidenceList("VF-S31-entropy", deviations=(
    r"``Discourages confident (low-entropy) assignments'' is read as: the minimised term costs more at a more "
    r"confident membership; confident versus spread is one-hot versus uniform (symbolic, any $K\ge2$) and $u$ versus "
    r"$(1-s)u+s\tfrac1K\mathbf 1$ (numeric), which has strictly higher entropy.",
    r"The term is evaluated per data point (the objective is a sum over points); $0\log0=0$.",
    r"$\lambda_e$ ranges over $[0.01,10]$ in the property, with the paper's $\lambda_e=5$ as the pinned example.",
))


def entropy_term(u: np.ndarray, lambda_e: float, sign: int = -1) -> float:
    r"""The entropy term of VF eq. 3 for one membership row: :math:`\mathrm{sign}\cdot\lambda_e\sum_ku_k\log u_k`.

    Parameters
    ----------
    u : ndarray of shape (K,)
        Memberships on the simplex (float64), :math:`0\log0=0`.
    lambda_e : float
        :math:`\lambda_e>0`.
    sign : {-1, +1}
        ``-1``: the term as printed, :math:`-\lambda_e\sum u\log u=\lambda_eH(u)`; ``+1``: reversed.

    Returns
    -------
    float
        The term, float64.
    """
    u = np.asarray(u, dtype=np.float64)
    pos = u > 0
    return float(sign * lambda_e * np.sum(u[pos] * np.log(u[pos]))) + 0.0  # + 0.0: no negative zero


def entropy_term_tol(u: np.ndarray, lambda_e: float) -> float:
    r"""Rounding bound :math:`e(u)=\gamma_{K+8}\lambda_e\sum_ku_k(|\log u_k|+1)` of :func:`entropy_term` (module docstring).

    Parameters
    ----------
    u : ndarray of shape (K,)
        Memberships (float64).
    lambda_e : float
        :math:`\lambda_e`.

    Returns
    -------
    float
        The bound.
    """
    u = np.asarray(u, dtype=np.float64)
    pos = u > 0
    return slack(u.size + 8, lambda_e * float(np.sum(u[pos] * (np.abs(np.log(u[pos])) + 1))))


def _pair(w: list[int], s16: int) -> tuple[np.ndarray, np.ndarray]:
    u = np.asarray(w, dtype=np.float64) / float(sum(w))
    s = s16 / 16
    return u, (1 - s) * u + s / u.size


_STRATEGIES = {"w": st.lists(st.integers(0, 20), min_size=2, max_size=6).filter(lambda w: sum(w) > 0),
               "s16": st.integers(1, 16),
               "lambda_e": st.floats(0.01, 10.0)}
_SUMMARY = ("membership rows u = w/sum(w), w integer weights in [0, 20], K = 2..6; v = (1-s)u + s/K with "
            "s = 1/16..1; lambda_e in [0.01, 10]; pinned: u = e_1, v uniform, lambda_e = 5")
_PINNED = [{"w": [1, 0], "s16": 16, "lambda_e": 5.0}]

EVIDENCE.derivation("printed-sign", "paper", theory.vf_s31_entropy)


@EVIDENCE.property("confident-costs-more", strategies=_STRATEGIES, strategy_summary=_SUMMARY, examples=_PINNED)
def confident_costs_more(w: list[int], s16: int, lambda_e: float) -> None:
    r"""The paper's statement in float64: the term as printed, :math:`-\lambda_e\sum u\log u`, is larger at
    :math:`u` than at the less confident :math:`v=(1-s)u+s\tfrac1K\mathbf 1`."""
    u, v = _pair(w, s16)
    eu, ev = entropy_term(u, lambda_e), entropy_term(v, lambda_e)
    assume(abs(eu - ev) > entropy_term_tol(u, lambda_e) + entropy_term_tol(v, lambda_e))
    hu, hv = eu / lambda_e, ev / lambda_e
    assert eu > ev, (f"u = {np.round(u, 6).tolist()} (entropy {hu:.6g}) is more confident than "
                     f"v = {np.round(v, 6).tolist()} (entropy {hv:.6g}), yet the term costs "
                     f"{eu:.6g} at u < {ev:.6g} at v (lambda_e = {lambda_e:g}): it rewards confidence")


EVIDENCE.derivation("reversed-sign", "instead", theory.vf_s31_entropy_instead)


@EVIDENCE.property("reversed-sign-numeric", role="instead", strategies=_STRATEGIES, strategy_summary=_SUMMARY,
                   examples=_PINNED)
def reversed_sign_costs_more(w: list[int], s16: int, lambda_e: float) -> None:
    r"""With the sign reversed, :math:`+\lambda_e\sum u\log u` is larger at :math:`u` than at the less confident
    :math:`v` (whenever the difference exceeds the rounding bound)."""
    u, v = _pair(w, s16)
    eu, ev = entropy_term(u, lambda_e, +1), entropy_term(v, lambda_e, +1)
    assume(abs(eu - ev) > entropy_term_tol(u, lambda_e) + entropy_term_tol(v, lambda_e))
    assert eu > ev, (u.tolist(), v.tolist(), eu, ev)
    assert eu + lambda_e * math.log(u.size) >= -entropy_term_tol(u, lambda_e)  # = lambda_e KL(u || uniform) >= 0
