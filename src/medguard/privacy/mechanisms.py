"""Noise for differential privacy: the two-sided geometric (discrete Laplace) mechanism.

Counts and fixed-point sums are integers, so medguard adds integer noise: the difference of two
geometric variables with ``P(k) ∝ a**|k|``, ``a = exp(-epsilon / sensitivity)``. Integer outputs
avoid the floating-point attacks on continuous Laplace noise (Mironov 2012; diffprivlib's
``LaplaceTruncated`` behind ``tools.sum``/``tools.mean``), whose low-order bits can reveal the
input.

Randomness comes from the operating system's CSPRNG (``os.urandom``). DANGER: the
``unsafe_random_bytes`` parameter replaces it, for tests that need reproducible draws only. A
source of zeros (or any predictable bytes) makes every release predictable, and a release whose
noise can be predicted protects nobody. Never pass it outside a test.

Parameters that would break the arithmetic are refused with
:class:`~medguard.errors.InvalidArgument` before anything is drawn: an epsilon that is not a
number in ``[MIN_EPSILON, MAX_EPSILON]``, and a noise scale ``sensitivity / epsilon`` above
``MAX_NOISE_SCALE`` (a release that would be noise only, and whose noise would overflow).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from medguard.errors import InvalidArgument

__all__ = [
    "MAX_EPSILON",
    "MAX_NOISE_SCALE",
    "MIN_EPSILON",
    "RandomBytes",
    "check_epsilon",
    "check_noise",
    "geometric_interval",
    "geometric_noise",
    "uniforms",
]

RandomBytes = Callable[[int], bytes]

MIN_EPSILON = 1e-6
"""The smallest epsilon accepted: below it every release is noise only."""
MAX_EPSILON = 100.0
"""The largest epsilon accepted: above it a release is the raw value in all but name."""
MAX_NOISE_SCALE = 1e12
"""The largest ``sensitivity / epsilon`` accepted (the noise's scale, in the query's units)."""


def _real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_epsilon(epsilon: object, name: str = "epsilon") -> float:
    """``epsilon`` as a float in ``[MIN_EPSILON, MAX_EPSILON]``, or :class:`InvalidArgument`."""
    if not _real(epsilon):
        raise InvalidArgument(f"{name} must be a number, not {type(epsilon).__name__}")
    value = float(epsilon)  # type: ignore[arg-type]  # a Real, checked above
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgument(f"{name} must be a positive finite number")
    if not MIN_EPSILON <= value <= MAX_EPSILON:
        raise InvalidArgument(
            f"{name} must be between {MIN_EPSILON:g} and {MAX_EPSILON:g}: smaller releases are "
            "noise only, larger ones protect nobody"
        )
    return value


def check_noise(epsilon: float, sensitivity: float) -> float:
    """The ratio ``a = exp(-epsilon / sensitivity)`` of the geometric noise, once checked.

    Raises :class:`InvalidArgument` when the noise scale ``sensitivity / epsilon`` is not a
    positive finite number at most ``MAX_NOISE_SCALE``, or too small to be represented.
    """
    if not (_real(epsilon) and math.isfinite(epsilon) and epsilon > 0):
        raise InvalidArgument("epsilon must be a positive finite number")
    if not (_real(sensitivity) and math.isfinite(sensitivity) and sensitivity > 0):
        raise InvalidArgument("sensitivity must be a positive finite number")
    scale = sensitivity / epsilon
    if not scale <= MAX_NOISE_SCALE:
        raise InvalidArgument(
            f"the noise scale (sensitivity / epsilon = {scale:.3g}) is above {MAX_NOISE_SCALE:g}: "
            "the release would be noise only; raise epsilon, tighten the bounds or coarsen the "
            "resolution"
        )
    a = math.exp(-1.0 / scale)
    if not 0 < a < 1:
        raise InvalidArgument("epsilon / sensitivity is outside the range the noise supports")
    return a


def uniforms(size: int, unsafe_random_bytes: RandomBytes = os.urandom) -> npt.NDArray[np.float64]:
    """``size`` uniform floats in (0, 1) with 53 random bits each.

    DANGER: ``unsafe_random_bytes`` replaces the OS CSPRNG; for reproducible tests only.
    """
    raw = np.frombuffer(unsafe_random_bytes(8 * size), dtype=np.uint64)
    if raw.size != size:
        raise InvalidArgument("the random source returned the wrong number of bytes")
    return ((raw >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def geometric_noise(
    epsilon: float, sensitivity: float, size: int, unsafe_random_bytes: RandomBytes = os.urandom
) -> npt.NDArray[np.int64]:
    """``size`` draws of two-sided geometric noise for an integer query of L1 ``sensitivity``.

    DANGER: ``unsafe_random_bytes`` replaces the OS CSPRNG; for reproducible tests only.
    """
    a = check_noise(epsilon, sensitivity)
    log_a = math.log(a)
    u = uniforms(2 * size, unsafe_random_bytes)
    # Inverse CDF of the geometric distribution on {0, 1, ...} with P(k) = (1 - a) a**k.
    g: npt.NDArray[np.int64] = np.floor(np.log(u) / log_a).astype(np.int64)
    return g[:size] - g[size:]


def geometric_interval(epsilon: float, sensitivity: float, confidence: float = 0.95) -> int:
    """Half-width t with ``P(|noise| <= t) >= confidence`` for :func:`geometric_noise`."""
    if not 0 < confidence < 1:
        raise InvalidArgument("confidence must be in (0, 1)")
    a = check_noise(epsilon, sensitivity)
    # P(|X| > t) = 2 a**(t+1) / (1 + a)
    t = math.log((1 - confidence) * (1 + a) / 2) / math.log(a) - 1
    return max(0, math.ceil(t))
