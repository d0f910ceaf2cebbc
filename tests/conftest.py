"""Shared fixtures: the real CamVid copy and small synthetic datasets."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image

from mmssl_seg.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CAMVID_CANDIDATES = (
    osp.join(REPO, 'data', 'camvid'),
    osp.join(REPO, '..', 'shared', 'datasets', 'camvid_segnet'),
)

register_all_modules()


def find_camvid():
    """Path of CamVid; in CI its absence fails, elsewhere the test skips."""
    for path in CAMVID_CANDIDATES:
        if osp.isdir(osp.join(path, 'img_dir', 'train')):
            return osp.abspath(path)
    if os.environ.get('CI'):
        pytest.fail('CamVid not found at data/camvid or '
                    '../shared/datasets/camvid_segnet; CI must have it')
    pytest.skip('CamVid is not on this machine (run `make data`); '
                'integration tests need real images')


@pytest.fixture(scope='session')
def camvid_root():
    return find_camvid()


def write_fake_camvid(root, num_images=3, size=(36, 48), label_value=None):
    """A CamVid-shaped dataset with random content, for unit tests.

    ``label_value``, if given, is written into one pixel of the first label.
    """
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        os.makedirs(osp.join(root, 'img_dir', split), exist_ok=True)
        os.makedirs(osp.join(root, 'ann_dir', split), exist_ok=True)
        for i in range(num_images):
            img = rng.integers(0, 255, (*size, 3), dtype=np.uint8)
            label = rng.integers(0, 12, size, dtype=np.uint8)
            if label_value is not None and i == 0:
                label[0, 0] = label_value
            Image.fromarray(img).save(
                osp.join(root, 'img_dir', split, f'{i:04d}.png'))
            Image.fromarray(label).save(
                osp.join(root, 'ann_dir', split, f'{i:04d}.png'))
    return root


@pytest.fixture
def fake_camvid(tmp_path):
    return write_fake_camvid(str(tmp_path / 'camvid'))


def seg_batch(n=2, size=(64, 96), num_classes=11, labels=True, seed=0):
    """A segmentor's ``train_step`` input: ``n`` random uint8 images of
    ``size`` (h, w) and, with ``labels``, random label maps."""
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        sample = SegDataSample(metainfo=dict(img_shape=size, pad_shape=size))
        if labels:
            sample.gt_sem_seg = PixelData(data=torch.randint(
                0, num_classes, (1, *size), generator=g))
        samples.append(sample)
    return dict(inputs=[torch.randint(0, 256, (3, *size), generator=g,
                                      dtype=torch.uint8) for _ in range(n)],
                data_samples=samples)
