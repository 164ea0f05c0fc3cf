"""The scikit-learn bundled data sets, prepared as the VF paper prepares them (standardised)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["standardised"]


def standardised(loader: Any) -> tuple[np.ndarray, np.ndarray]:
    """Load a bundled data set and standardise each feature (zero mean, unit variance).

    Parameters
    ----------
    loader : callable
        A ``sklearn.datasets.load_*`` function.

    Returns
    -------
    X : ndarray of shape (N, D)
        Standardised features.
    y : ndarray of shape (N,)
        Labels.
    """
    from sklearn.preprocessing import StandardScaler
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y
