"""kmrbf: a verification testbed for K-means as the zero-temperature limit of an RBF network.

Subpackages
-----------
kmrbf.numerics
    Array-API float64 kernels (softmax, entmax, functionals, Lloyd / soft-Lloyd),
    arbitrary-precision oracles (mpmath) and certificates (python-flint ``arb``).
kmrbf.theory
    SymPy derivations of the papers' minimizers and identities.
kmrbf.claims
    The claim catalogue (SPEC ids) and the evidence attached to each claim.
kmrbf.report
    The LaTeX verification report.
"""

__version__ = "0.1.0"
