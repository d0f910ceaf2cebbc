"""Views that record their crop boxes and flips (SIM, arXiv:2206.01204)."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmcv.transforms import Compose

from mmssl_seg.datasets.transforms import (MultiViewWithGeometry,
                                           RandomResizedCropWithBox)
from mmssl_seg.models.utils import relative_patch_positions
from mmssl_seg.registry import TRANSFORMS

VIEW_SIZE = 96
META_KEYS = ('img_path', 'ori_shape', 'crop_boxes', 'flips')


def _view(colour=True):
    view = [
        dict(type='mmssl_seg.RandomResizedCropWithBox', scale=VIEW_SIZE,
             crop_ratio_range=(0.2, 1.)),
        dict(type='mmpretrain.RandomFlip', prob=0.5),
    ]
    if colour:
        view.append(
            dict(type='mmpretrain.RandomApply',
                 transforms=[dict(type='mmssl_seg.SafeHueColorJitter',
                                  brightness=0.4, contrast=0.4,
                                  saturation=0.2, hue=0.1)],
                 prob=0.8))
    return view


def _pipeline(views):
    return [
        dict(type='LoadImageFromFile'),
        dict(type='mmssl_seg.MultiViewWithGeometry', num_views=[1, 1],
             transforms=views),
        dict(type='mmpretrain.PackInputs', meta_keys=META_KEYS)
    ]


def _coordinate_image(h, w):
    """float32 (h, w, 3): the (y, x) of each pixel centre, then 0."""
    y, x = np.meshgrid(np.arange(h) + .5, np.arange(w) + .5, indexing='ij')
    return np.stack([y, x, np.zeros_like(y)], -1).astype(np.float32)


def _sample(img, y, x):
    """Bilinear value of ``img`` at continuous pixel coordinates (y, x)."""
    y, x = y - .5, x - .5  # to pixel-centre indices
    y0, x0 = int(np.floor(y)), int(np.floor(x))
    fy, fx = y - y0, x - x0
    y1, x1 = min(y0 + 1, img.shape[0] - 1), min(x0 + 1, img.shape[1] - 1)
    y0, x0 = max(y0, 0), max(x0, 0)
    return ((1 - fy) * ((1 - fx) * img[y0, x0] + fx * img[y0, x1]) +
            fy * ((1 - fx) * img[y1, x0] + fx * img[y1, x1]))


def test_crop_records_its_box_in_the_input_pixels():
    crop = TRANSFORMS.build(
        dict(type='mmssl_seg.RandomResizedCropWithBox', scale=(8, 12),
             crop_ratio_range=(0.3, 0.6)))
    assert isinstance(crop, RandomResizedCropWithBox)
    img = _coordinate_image(40, 50)
    np.random.seed(0)
    out = crop(dict(img=img))
    top, left, h, w = out['crop_box']
    assert all(isinstance(v, float) for v in out['crop_box'])
    assert out['img'].shape == (8, 12, 3) and out['img_shape'][:2] == (8, 12)
    assert 0 <= top and top + h <= 40 and 0 <= left and left + w <= 50
    # view pixel (i, j) shows the image point of its centre
    i, j = 4, 6
    np.testing.assert_allclose(
        out['img'][i, j, :2],
        [top + h * (i + .5) / 8, left + w * (j + .5) / 12], atol=1e-3)


def test_views_collect_boxes_flips_and_the_input_shape():
    multi = TRANSFORMS.build(
        dict(type='mmssl_seg.MultiViewWithGeometry', num_views=[2, 1],
             transforms=[_view(False), [
                 dict(type='mmssl_seg.RandomResizedCropWithBox', scale=16)]]))
    assert isinstance(multi, MultiViewWithGeometry)
    flips = set()
    for seed in range(8):
        np.random.seed(seed)
        out = multi(dict(img=_coordinate_image(30, 40), flip=True,
                         crop_box=(0., 0., 1., 1.)))
        assert len(out['img']) == 3
        assert out['crop_boxes'].dtype == np.float32
        assert out['crop_boxes'].shape == (3, 4)
        assert out['flips'].dtype == bool and out['flips'].shape == (3, )
        assert not out['flips'][2]  # no flip transform, the stale key dropped
        assert out['ori_shape'] == (30, 40)
        assert (out['crop_boxes'][:, 2:] > 1).all()  # not the stale box
        flips.update(out['flips'][:2].tolist())
    assert flips == {True, False}


def test_a_view_without_a_recorded_box_is_refused():
    multi = MultiViewWithGeometry(
        num_views=[1, 1],
        transforms=[[dict(type='mmssl_seg.RandomResizedCropWithBox', scale=8)],
                    [dict(type='mmpretrain.RandomResizedCrop', scale=8)]])
    with pytest.raises(ValueError, match='view 1.*RandomResizedCropWithBox'):
        multi(dict(img=_coordinate_image(20, 20)))


def test_flip_before_crop_and_vertical_flips_are_refused():
    with pytest.raises(ValueError, match='flips before it crops'):
        MultiViewWithGeometry(
            num_views=1,
            transforms=[[
                dict(type='mmpretrain.RandomFlip', prob=0.5),
                dict(type='mmssl_seg.RandomResizedCropWithBox', scale=8)
            ]])
    multi = MultiViewWithGeometry(
        num_views=1,
        transforms=[[dict(type='mmssl_seg.RandomResizedCropWithBox', scale=8),
                     dict(type='mmpretrain.RandomFlip', prob=1.,
                          direction='vertical')]])
    with pytest.raises(ValueError, match='horizontal'):
        multi(dict(img=_coordinate_image(20, 20)))


def test_relative_positions_point_at_the_same_image_point():
    """Crosses the transforms with relative_patch_positions: the view-a
    pixel at a view-b patch's position shows the same original point."""
    size, grid, patch = 32, (4, 4), 8
    view = [dict(type='mmssl_seg.RandomResizedCropWithBox', scale=size,
                 crop_ratio_range=(0.3, 1.)),
            dict(type='mmpretrain.RandomFlip', prob=0.5)]
    multi = MultiViewWithGeometry(num_views=2, transforms=[view])
    image = _coordinate_image(60, 80)
    checked, flip_pairs = 0, set()
    for seed in range(20):
        np.random.seed(seed)
        out = multi(dict(img=image.copy()))
        view_a, view_b = out['img']
        boxes = torch.from_numpy(out['crop_boxes'])
        flips = torch.from_numpy(out['flips'])
        flip_pairs.add(tuple(out['flips'].tolist()))
        pos, _ = relative_patch_positions(boxes[:1], boxes[1:], flips[:1],
                                          flips[1:], grid)
        top_b, left_b, h_b, w_b = out['crop_boxes'][1]
        for k, (row, col) in enumerate(pos[0].tolist()):
            u, v = divmod(k, grid[1])
            # the original point at b's patch centre, read from view b
            point = _sample(view_b, (u + .5) * patch, (v + .5) * patch)[:2]
            c = (v + .5) / grid[1]
            c = 1 - c if out['flips'][1] else c
            np.testing.assert_allclose(
                point, [top_b + h_b * (u + .5) / grid[0], left_b + w_b * c],
                atol=1e-2)
            ya, xa = (row + .5) * patch, (col + .5) * patch
            if not (1 <= ya <= size - 1 and 1 <= xa <= size - 1):
                continue  # outside view a (or on its clamped rim)
            np.testing.assert_allclose(
                _sample(view_a, ya, xa)[:2], point, atol=1e-2)
            checked += 1
    assert checked > 100
    assert len(flip_pairs) >= 3  # flipped and unflipped views both met


@pytest.fixture(scope='module')
def camvid_image(camvid_root):
    paths = sorted(glob.glob(osp.join(camvid_root, 'img_dir', 'train',
                                      '*.png')))
    assert paths, f'no CamVid training images under {camvid_root}'
    return paths[0]


def _reconstruct(img, box, flip):
    """Crop ``img`` by ``box``, resize bilinearly to the view, flip."""
    top, left, h, w = (int(v) for v in box)
    crop = torch.from_numpy(img[top:top + h, left:left + w].astype(
        np.float32)).permute(2, 0, 1)[None]
    view = F.interpolate(crop, size=(VIEW_SIZE, VIEW_SIZE), mode='bilinear',
                         align_corners=False)[0].permute(1, 2, 0).numpy()
    return view[:, ::-1] if flip else view


def test_camvid_pipeline_packs_geometry_and_views_match_their_boxes(
        camvid_image):
    import mmcv
    original = mmcv.imread(camvid_image)
    seen = []  # each view before its colour jitter

    def spy(results):
        seen.append(results['img'].copy())
        return results

    views = []
    for _ in range(2):
        view = _view()
        views.append(view[:2] + [spy] + view[2:])
    np.random.seed(2)  # one view flipped, one not; both jittered
    packed = Compose(_pipeline(views))(dict(img_path=camvid_image))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert len(inputs) == 2
    assert all(x.shape == (3, VIEW_SIZE, VIEW_SIZE) for x in inputs)
    assert sample.ori_shape == original.shape[:2]
    assert sample.crop_boxes.shape == (2, 4)
    assert sample.flips.shape == (2, )
    assert 'crop_boxes' in sample.metainfo and 'flips' in sample.metainfo
    assert len(seen) == 2 and set(sample.flips.tolist()) == {True, False}
    for k in range(2):
        rebuilt = _reconstruct(original, sample.crop_boxes[k],
                               sample.flips[k])
        err = np.abs(rebuilt - seen[k].astype(np.float32)).mean()
        assert err < 1., f'view {k} differs from its box by {err}'
        # the wrong flip is far off: the check sees the geometry
        wrong = np.abs(rebuilt[:, ::-1] - seen[k]).mean()
        assert wrong > 5 * err + 5
        # the packed view is the same view after colour jitter
        view = inputs[k].permute(1, 2, 0).numpy().astype(np.float32)
        assert np.abs(view - seen[k]).mean() > 2.
        packed_grey = inputs[k].float().mean(0).flatten().numpy()
        corr = np.corrcoef(packed_grey, rebuilt.mean(-1).flatten())[0, 1]
        assert corr > 0.8


def test_camvid_pipeline_from_config_only(camvid_image):
    """The same pipeline as pure config dicts, colour jitter included."""
    np.random.seed(0)
    pipeline = Compose(_pipeline([_view(), _view()]))
    flips = set()
    for _ in range(4):
        packed = pipeline(dict(img_path=camvid_image))
        sample = packed['data_samples']
        boxes, flags = sample.crop_boxes, sample.flips
        assert boxes.dtype == np.float32 and flags.dtype == bool
        h, w = sample.ori_shape
        assert (boxes[:, :2] >= 0).all()
        assert (boxes[:, 0] + boxes[:, 2] <= h).all()
        assert (boxes[:, 1] + boxes[:, 3] <= w).all()
        # crop_ratio_range=(0.2, 1.): area fraction of every view
        area = boxes[:, 2] * boxes[:, 3] / (h * w)
        assert ((area > 0.19) & (area < 1.01)).all()
        flips.update(flags.tolist())
    assert flips == {True, False}
