"""kmrbf.evidence.datasets: bundled data sets, standardised."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris

from kmrbf.evidence.datasets import standardised


def test_standardised_has_zero_mean_unit_variance():
    X, y = standardised(load_iris)
    assert X.shape == (150, 4) and y.shape == (150,)
    assert np.allclose(X.mean(0), 0, atol=1e-12) and np.allclose(X.std(0), 1, atol=1e-12)
