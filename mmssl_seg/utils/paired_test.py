"""Paired comparison of two methods over the same label splits."""
import math
from dataclasses import dataclass
from typing import Sequence

from scipy.stats import t as student_t


@dataclass
class PairedDifference:
    """d_s = method_s - baseline_s over the seeds s (the same split each).

    mean = sum(d) / n,  std = sqrt(sum((d - mean)^2) / (n - 1)),
    t = mean / (std / sqrt(n)), and the two-sided p-value of Student's t
    with n - 1 degrees of freedom: p = 2 * P(T > |t|). With n < 2, or all
    differences equal (std = 0), t and p are undefined (NaN) unless every
    difference is 0 (t = 0, p = 1).
    """
    n: int
    mean: float
    std: float
    t: float
    p: float

    def significant(self, alpha: float = 0.05) -> bool:
        return not math.isnan(self.p) and self.p < alpha


def paired_difference(method: Sequence[float],
                      baseline: Sequence[float]) -> PairedDifference:
    """Paired t-test of ``method`` against ``baseline`` (same seeds, in the
    same order).

    Raises:
        ValueError: if the two have different lengths or are empty.
    """
    if len(method) != len(baseline) or not method:
        raise ValueError(f'paired values need the same non-zero count, got '
                         f'{len(method)} and {len(baseline)}')
    diffs = [m - b for m, b in zip(method, baseline)]
    n = len(diffs)
    mean = sum(diffs) / n
    if n < 2:
        return PairedDifference(n, mean, math.nan, math.nan, math.nan)
    std = math.sqrt(sum((d - mean)**2 for d in diffs) / (n - 1))
    if std == 0:
        zero = mean == 0
        return PairedDifference(n, mean, 0.0, 0.0 if zero else math.nan,
                                1.0 if zero else math.nan)
    t = mean / (std / math.sqrt(n))
    p = 2 * student_t.sf(abs(t), n - 1)
    return PairedDifference(n, mean, std, t, float(p))
