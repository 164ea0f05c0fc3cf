"""Arbitrary-precision reference: python-flint ``arb`` vs ``mpmath`` at the same precision.

Run::

    .venv/bin/python benchmarks/bench_arb_vs_mpmath.py [--repeat 5]

Times the references the precision study (KR-S36-underflow) needs — softmax and entmax-1.5
of logit rows, and soft centroids of a data set — with :mod:`kmrbf.numerics.arb` and with
the mpmath oracles of :mod:`kmrbf.numerics.oracles`, both at 128 bits (38 digits), and
prints the speedups.  The arb results are also checked to contain the mpmath ones.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from kmrbf.numerics import arb as A
from kmrbf.numerics import oracles as O

PREC, DPS = 128, 38


def _time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    Z = (-rng.random((400, 3)) * np.array([1.0, 1e3, 1e5])).tolist()
    X = np.round(rng.normal(size=(120, 2)) * 4) / 4
    M = X[:3].copy()
    cases = [
        ("softmax, 400 rows of 3", lambda: [A.arb_softmax(z, prec=PREC) for z in Z],
         lambda: [O.mp_softmax(z, dps=DPS) for z in Z]),
        ("entmax-1.5, 400 rows of 3", lambda: [A.arb_entmax15(z, prec=PREC) for z in Z],
         lambda: [O.mp_entmax(z, 1.5, dps=DPS) for z in Z]),
        ("soft centroids N=120 K=3 sigma=1e-3", lambda: A.arb_soft_centroids(X, M, 1e-3, prec=PREC),
         lambda: O.mp_soft_centroids(X, M, 1e-3, dps=DPS)),
    ]
    print(f"{'case':40s}{'arb [s]':>10s}{'mpmath [s]':>12s}{'speedup':>9s}")
    for name, fa, fm in cases:
        ta, tm = _time(fa, args.repeat), _time(fm, args.repeat)
        print(f"{name:40s}{ta:10.4f}{tm:12.4f}{tm / ta:9.1f}x")
    # agreement check (both carry ~38 digits; compare to 30)
    import mpmath
    with mpmath.workdps(50):
        for z in Z[:20]:
            for a, m in zip(A.arb_softmax(z, prec=PREC), O.mp_softmax(z, dps=DPS)):
                am = mpmath.mpf(a.mid().str(45, radius=False))
                assert abs(am - m) <= mpmath.mpf("1e-30") * abs(m), (a, m)
    print("arb and mpmath agree to 30 digits on 20 rows")


if __name__ == "__main__":
    main()
