"""kmrbf.evidence.quadratic: the gradient step of KR Lemma 1, against the closed form."""

from __future__ import annotations

import numpy as np

from kmrbf.evidence.quadratic import gd_step


def test_step_with_eta_one_over_total_weight_lands_on_the_weighted_mean():
    X = np.array([[0.0, 0.0], [4.0, 2.0], [1.0, 1.0]])
    w = np.array([1.0, 2.0, 1.0])
    mean = (w[:, None] * X).sum(0) / w.sum()
    assert np.allclose(gd_step(X, w, np.array([7.0, -3.0]), 1.0 / w.sum()), mean, rtol=0, atol=1e-15)
    # eta = 2 / S reflects through the mean (the edge of convergence)
    mu = np.array([7.0, -3.0])
    assert np.allclose(gd_step(X, w, mu, 2.0 / w.sum()), 2 * mean - mu)
