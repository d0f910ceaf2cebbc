"""Colour jitter whose hue shift works under numpy 2."""
from typing import Dict

import mmcv
import numpy as np
from mmpretrain.datasets.transforms import ColorJitter
from PIL import Image

from mmssl_seg.registry import TRANSFORMS


def shift_hue(img: np.ndarray, factor: float) -> np.ndarray:
    """Rotates the hue of a BGR uint8 image by ``factor`` of a turn, factor
    in [-0.5, 0.5]: H' = (H + int(255 * factor)) mod 256 in PIL's HSV.

    mmcv's ``adjust_hue`` computes ``np.uint8(factor * 255)``, which numpy 2
    refuses for negative factors (OverflowError); numpy 1 wrapped it to the
    same value as here.
    """
    hsv = Image.fromarray(np.ascontiguousarray(img[..., ::-1])).convert('HSV')
    h, s, v = hsv.split()
    shift = int(factor * 255) % 256
    h = Image.fromarray(
        ((np.asarray(h, dtype=np.int16) + shift) % 256).astype(np.uint8), 'L')
    rgb = Image.merge('HSV', (h, s, v)).convert('RGB')
    return np.asarray(rgb, dtype=img.dtype)[..., ::-1].copy()


@TRANSFORMS.register_module()
class SafeHueColorJitter(ColorJitter):
    """mmpretrain's ``ColorJitter`` (same arguments and randomness: the four
    adjustments in random order), with the hue shift of :func:`shift_hue`.
    """

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        order, brightness, contrast, saturation, hue = self._rand_params()
        for index in order:
            if index == 0 and brightness is not None:
                img = mmcv.adjust_brightness(
                    img, brightness, backend=self.backend)
            elif index == 1 and contrast is not None:
                img = mmcv.adjust_contrast(img, contrast, backend=self.backend)
            elif index == 2 and saturation is not None:
                img = mmcv.adjust_color(
                    img, alpha=saturation, backend=self.backend)
            elif index == 3 and hue is not None:
                img = shift_hue(img, hue)
        results['img'] = img
        return results
