"""The paired t-test of label_efficiency tables, against hand values."""
import math

import pytest

from mmssl_seg.utils.paired_test import paired_difference


def test_against_a_hand_computation():
    # d = (2, 3, 1): mean 2, std 1, t = 2 / (1 / sqrt(3)) = 2 sqrt(3).
    # Student's t with 2 degrees of freedom has P(T > t) =
    # (1 - t / sqrt(t^2 + 2)) / 2, so p = 1 - sqrt(12 / 14).
    result = paired_difference([42., 44., 40.], [40., 41., 39.])
    assert (result.n, result.mean, result.std) == (3, 2.0, 1.0)
    assert result.t == pytest.approx(2 * math.sqrt(3))
    assert result.p == pytest.approx(1 - math.sqrt(12 / 14))
    assert result.p == pytest.approx(0.0741799, abs=1e-6)
    assert not result.significant(0.05) and result.significant(0.1)


def test_sign_and_order_matter():
    ahead = paired_difference([50., 51., 52., 53.], [40., 40.5, 42., 43.])
    behind = paired_difference([40., 40.5, 42., 43.], [50., 51., 52., 53.])
    assert ahead.mean == -behind.mean and ahead.t == -behind.t
    assert ahead.p == pytest.approx(behind.p) and ahead.significant()
    # pairing: the same values in another order are another test
    shuffled = paired_difference([50., 51., 52., 53.], [43., 42., 40.5, 40.])
    assert shuffled.std != ahead.std


def test_undefined_cases_are_nan_not_significant():
    one = paired_difference([41.], [40.])
    assert one.mean == 1 and math.isnan(one.p) and not one.significant()
    constant = paired_difference([41., 42.], [40., 41.])
    assert constant.std == 0 and math.isnan(constant.p)
    same = paired_difference([40., 41.], [40., 41.])
    assert (same.t, same.p) == (0.0, 1.0)
    with pytest.raises(ValueError, match='same non-zero count'):
        paired_difference([1., 2.], [1.])
