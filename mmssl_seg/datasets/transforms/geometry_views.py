"""Views that remember where they came from, for SIM.

SIM (Siamese Image Modeling, Tao et al., arXiv:2206.01204) predicts the
features of one augmented view (b) from another view (a) of the same image,
so the model needs the geometry between the two: where each view was cut
from the image and whether it was flipped. A view pipeline here is::

    RandomResizedCropWithBox -> RandomFlip -> colour transforms

The crop box ``(top, left, height, width)`` is in the pixels of the image
the views are cut from (continuous coordinates: pixel i covers [i, i + 1)),
and the flip is a horizontal mirror of the resized crop. View pixel (i, j)
of an S_h x S_w view thus shows the image point::

    y = top + height * (i + 0.5) / S_h
    x = left + width * c,  c = (j + 0.5) / S_w  (1 - c if flipped)

Colour transforms do not move pixels and may come anywhere after the crop.
"""
import copy
from typing import List, Sequence, Union

import numpy as np
from mmpretrain.datasets.transforms import MultiView, RandomResizedCrop

from mmssl_seg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomResizedCropWithBox(RandomResizedCrop):
    """mmpretrain's ``RandomResizedCrop`` (same arguments and randomness)
    that also records the crop.

    **Added Keys:**

    - crop_box (tuple[float]): ``(top, left, height, width)`` of the crop in
      the pixels of the image this transform received.
    """

    def rand_crop_params(self, img: np.ndarray) -> tuple:
        self._last_crop = super().rand_crop_params(img)
        return self._last_crop

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        results['crop_box'] = tuple(float(v) for v in self._last_crop)
        return results


def _transform_names(pipeline) -> List[str]:
    return [type(t).__name__ for t in getattr(pipeline, 'transforms', [])]


@TRANSFORMS.register_module()
class MultiViewWithGeometry(MultiView):
    """mmpretrain's ``MultiView`` that also keeps each view's crop box and
    flip.

    Each view pipeline must crop with :class:`RandomResizedCropWithBox`,
    then may flip horizontally (``RandomFlip``), then change colours; see the
    module docstring for the coordinates this implies.

    **Added Keys:**

    - img (list[np.ndarray]): The views, in the order of ``num_views``.
    - crop_boxes (np.ndarray): float32 (num_views, 4), ``(top, left,
      height, width)`` of each view in the pixels of the input image.
    - flips (np.ndarray): bool (num_views,), whether each view was mirrored
      horizontally after its crop (False for a view without a flip).
    - ori_shape (tuple[int, int]): (H, W) of the input image, the frame of
      ``crop_boxes``.

    Args:
        transforms (list[list[dict | callable]]): One pipeline per group.
        num_views (int | list[int]): Views per pipeline.
    """

    _DROP = ('crop_box', 'flip', 'flip_direction')

    def __init__(self, transforms: Sequence[Sequence],
                 num_views: Union[int, List[int]]) -> None:
        super().__init__(transforms, num_views)
        for index, pipeline in enumerate(self.pipelines):
            names = _transform_names(pipeline)
            if ('RandomFlip' in names and 'RandomResizedCropWithBox' in names
                    and names.index('RandomFlip') <
                    names.index('RandomResizedCropWithBox')):
                raise ValueError(
                    f'pipeline {index} flips before it crops; the geometry '
                    'assumes RandomResizedCropWithBox, then RandomFlip')

    def transform(self, results: dict) -> dict:
        views, boxes, flips = [], [], []
        source = {k: v for k, v in results.items() if k not in self._DROP}
        for index, pipeline in enumerate(self.transforms):
            out = pipeline(copy.deepcopy(source))
            if out is None:
                raise ValueError(f'view {index}: its pipeline returned None')
            if 'crop_box' not in out:
                raise ValueError(
                    f'view {index} records no crop box; crop it with '
                    'RandomResizedCropWithBox')
            flip = bool(out.get('flip', False))
            if flip and out.get('flip_direction') != 'horizontal':
                raise ValueError(
                    f'view {index}: only horizontal flips are supported, got '
                    f"{out.get('flip_direction')!r}")
            views.append(out['img'])
            boxes.append(out['crop_box'])
            flips.append(flip)
        results['img'] = views
        results['crop_boxes'] = np.asarray(boxes, dtype=np.float32)
        results['flips'] = np.asarray(flips, dtype=bool)
        results['ori_shape'] = tuple(source['img'].shape[:2])
        return results
