"""Which torch CPU operation of the torch-native kernels depends on the thread count here.

Run by benchmarks/gpu.sh on the lent machine (16 cores; the 2-core development VM never
showed a difference): prints the CPU, torch's BLAS, and for thread counts 1..16 whether the
GEMMs of the kernels' 4000-row blocks and each output of the kernels match one thread's.
"""
import platform
import subprocess

import numpy as np
import torch

from kmrbf.numerics.torch_native import _kernels as tk

print(subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo"], capture_output=True, text=True).stdout.strip(),
      platform.machine())
print("\n".join(line for line in torch.__config__.show().splitlines() if "BLAS" in line or "MKL" in line
                or "CPU capability" in line)[:600])
rng = np.random.default_rng(11)
Xn = rng.normal(size=(9000, 5))
X = torch.from_numpy(Xn)
M = torch.from_numpy(Xn[rng.choice(9000, size=9, replace=False)] + 0.01)
R = torch.rand(4000, 9, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
names = []
for a in (1.0, 1.5, 2.0, 1.25):
    names += [f"S{a}", f"T{a}", f"W{a}", f"F0{a}"] + ([f"G{a}"] if a == 1.0 else [])
names += ["S_hard", "T_hard", "labels", "F0_hard"]


def outputs():
    out = []
    for a in (1.0, 1.5, 2.0, 1.25):
        S, T, W, F0, G = tk._soft_stats_torch(X, M, 0.4, a, 4000)
        out += [S, T, W, F0] + ([G] if G is not None else [])
    return out + list(tk._hard_stats_torch(X, M, 4000))


before = torch.get_num_threads()
torch.set_num_threads(1)
g1 = [X[:4000] @ M.T, R.T @ X[:4000], X[:1000] @ M.T, R[:1000].T @ X[:1000]]
o1 = outputs()
for t in (2, 3, 4, 8, 16):
    torch.set_num_threads(t)
    g = [X[:4000] @ M.T, R.T @ X[:4000], X[:1000] @ M.T, R[:1000].T @ X[:1000]]
    o = outputs()
    gd = [n for n, u, v in zip(("XbMT4000", "RTXb4000", "XbMT1000", "RTXb1000"), g, g1) if not torch.equal(u, v)]
    od = [n for n, u, v in zip(names, o, o1) if not torch.equal(u, v)]
    print(f"threads={t}: GEMMs differing from 1 thread: {gd or 'none'}; outputs differing: {od or 'none'}")
torch.set_num_threads(before)
