"""Helpers shared by the VF evidence modules :mod:`.vf_fig1` and :mod:`.vf_table2` (private: the
leading underscore keeps :func:`kmrbf.claims.load_evidence_modules` from importing it as evidence)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__: list[str] = []


def _standardised(loader: Any) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.preprocessing import StandardScaler
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y

