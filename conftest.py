"""Root pytest configuration: optional extras are collected only where installed.

``kmrbf/torch`` (doctests) needs torch, the ``kmrbf[torch]`` extra; the tests under
``tests/torch`` skip themselves with a reason.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["kmrbf/torch"]
