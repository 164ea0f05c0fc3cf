"""Kernel dispatch: compiled for NumPy, torch-native for torch, the array-API reference otherwise."""

__all__: list[str] = []  # nothing public: reached through kmrbf.numerics
