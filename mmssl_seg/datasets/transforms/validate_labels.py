"""A check that a loaded label map fits its image and its classes."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmssl_seg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ValidateSegLabels(BaseTransform):
    """Fail, naming the files, when a label map does not fit its image.

    Place it right after ``LoadAnnotations`` (and after ``LoadImageFromFile``,
    which sets ``ori_shape``). Checks that

    - the label map has the image's original size ``ori_shape``, so it also
      holds in test pipelines that load labels after ``Resize``;
    - its values are ``0 .. num_classes - 1`` or ``ignore_index``.

    Raises:
        ValueError: naming the label file (and, for a size mismatch, both
            sizes and the image file).
    """

    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        seg = results['gt_seg_map']
        seg_file = results.get('seg_map_path')
        img_hw = tuple(results['ori_shape'][:2])
        if seg.shape[:2] != img_hw:
            raise ValueError(
                f"label file '{seg_file}' is {seg.shape[0]}x{seg.shape[1]} "
                f"(h x w) but its image '{results.get('img_path')}' is "
                f'{img_hw[0]}x{img_hw[1]}')
        bad = np.unique(seg[(seg >= self.num_classes)
                            & (seg != self.ignore_index)])
        if bad.size:
            raise ValueError(
                f"label file '{seg_file}' holds values "
                f'{bad.tolist()} outside the class range 0..'
                f'{self.num_classes - 1} (ignore index {self.ignore_index})')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
