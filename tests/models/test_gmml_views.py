"""The colour jitter of GMML's views: a hue shift that works on numpy 2."""
import numpy as np
import pytest

from mmssl_seg.datasets.transforms import SafeHueColorJitter, shift_hue
from mmssl_seg.registry import TRANSFORMS

RED = np.zeros((2, 3, 3), np.uint8)
RED[..., 2] = 255  # BGR


@pytest.mark.parametrize('factor,bgr', [(1 / 3, (0, 255, 0)),
                                        (-1 / 3, (255, 0, 0)),
                                        (0., (0, 0, 255))])
def test_a_third_of_a_turn_takes_red_to_green_or_blue(factor, bgr):
    # PIL's hue is 0..255: red 0, +-int(85) -> 85 (green) or 171 (blue)
    out = shift_hue(RED, factor)
    assert out.dtype == np.uint8 and out.shape == RED.shape
    assert np.abs(out.astype(int) - bgr).max() <= 6


def test_jitter_runs_for_negative_hue_draws_and_changes_colour():
    jitter = TRANSFORMS.build(dict(type='SafeHueColorJitter', hue=0.5))
    assert isinstance(jitter, SafeHueColorJitter)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    np.random.seed(0)
    outs = [jitter(dict(img=img.copy()))['img'] for _ in range(10)]
    assert all(o.shape == img.shape and o.dtype == np.uint8 for o in outs)
    assert sum(not np.array_equal(o, img) for o in outs) >= 9
