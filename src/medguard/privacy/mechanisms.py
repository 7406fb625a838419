"""Noise for differential privacy: the two-sided geometric (discrete Laplace) mechanism.

Counts and fixed-point sums are integers, so medguard adds integer noise: the difference of two
geometric variables with ``P(k) ∝ a**|k|``, ``a = exp(-epsilon / sensitivity)``. Integer outputs
avoid the floating-point attacks on continuous Laplace noise (Mironov 2012; diffprivlib's
``LaplaceTruncated`` behind ``tools.sum``/``tools.mean``), whose low-order bits can reveal the
input.

Randomness comes from the operating system's CSPRNG (``os.urandom``) by default; ``random_bytes``
is a seam for tests that need reproducible draws.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from medguard.errors import InvalidArgument

__all__ = ["RandomBytes", "geometric_interval", "geometric_noise", "uniforms"]

RandomBytes = Callable[[int], bytes]


def uniforms(size: int, random_bytes: RandomBytes = os.urandom) -> npt.NDArray[np.float64]:
    """``size`` uniform floats in (0, 1) with 53 random bits each."""
    raw = np.frombuffer(random_bytes(8 * size), dtype=np.uint64)
    return ((raw >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def _ratio(epsilon: float, sensitivity: float) -> float:
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise InvalidArgument("epsilon must be a positive finite number")
    if not (math.isfinite(sensitivity) and sensitivity > 0):
        raise InvalidArgument("sensitivity must be a positive finite number")
    return math.exp(-epsilon / sensitivity)


def geometric_noise(
    epsilon: float, sensitivity: float, size: int, random_bytes: RandomBytes = os.urandom
) -> npt.NDArray[np.int64]:
    """``size`` draws of two-sided geometric noise for an integer query of L1 ``sensitivity``."""
    a = _ratio(epsilon, sensitivity)
    log_a = math.log(a)
    u = uniforms(2 * size, random_bytes)
    # Inverse CDF of the geometric distribution on {0, 1, ...} with P(k) = (1 - a) a**k.
    g: npt.NDArray[np.int64] = np.floor(np.log(u) / log_a).astype(np.int64)
    return g[:size] - g[size:]


def geometric_interval(epsilon: float, sensitivity: float, confidence: float = 0.95) -> int:
    """Half-width t with ``P(|noise| <= t) >= confidence`` for :func:`geometric_noise`."""
    if not 0 < confidence < 1:
        raise InvalidArgument("confidence must be in (0, 1)")
    a = _ratio(epsilon, sensitivity)
    # P(|X| > t) = 2 a**(t+1) / (1 + a)
    t = math.log((1 - confidence) * (1 + a) / 2) / math.log(a) - 1
    return max(0, math.ceil(t))
