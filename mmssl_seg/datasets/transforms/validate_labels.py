"""A check that loaded label maps hold only known class indices."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmssl_seg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ValidateSegLabels(BaseTransform):
    """Fail with the file name when a label map has a value out of range.

    Place it right after ``LoadAnnotations``. Allowed values are
    ``0 .. num_classes - 1`` and ``ignore_index``.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        seg = results['gt_seg_map']
        bad = np.unique(seg[(seg >= self.num_classes)
                            & (seg != self.ignore_index)])
        if bad.size:
            raise ValueError(
                f"label file '{results.get('seg_map_path')}' holds values "
                f'{bad.tolist()} outside the class range 0..'
                f'{self.num_classes - 1} (ignore index {self.ignore_index})')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
