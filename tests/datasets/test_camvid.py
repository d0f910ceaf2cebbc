import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmssl_seg.datasets import CamVidDataset
from mmssl_seg.registry import DATASETS

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
CHECKED = LOAD + [dict(type='ValidateSegLabels', num_classes=11)]


def build(root, split='train', pipeline=CHECKED):
    return DATASETS.build(
        dict(type='CamVidDataset', data_root=root,
             data_prefix=dict(img_path=f'img_dir/{split}',
                              seg_map_path=f'ann_dir/{split}'),
             pipeline=pipeline))


def test_real_camvid_splits_classes_and_void(camvid_root):
    train, val = build(camvid_root), build(camvid_root, 'val')
    assert (len(train), len(val)) == (367, 101)
    assert train.metainfo['classes'][8] == 'Car'
    assert len(train.metainfo['palette']) == 11
    sample = train[0]
    raw = np.array(Image.open(sample['seg_map_path']))
    assert (raw == 11).any(), 'the first train label has void pixels'
    loaded = sample['gt_seg_map']
    assert np.array_equal(loaded == 255, raw == 11)
    assert np.array_equal(loaded[raw != 11], raw[raw != 11])
    assert loaded.max() == 255 and loaded[loaded != 255].max() <= 10


def test_missing_data_root_names_it(tmp_path):
    missing = str(tmp_path / 'no_camvid_here')
    with pytest.raises(FileNotFoundError, match='no_camvid_here'):
        build(missing)


def test_label_above_class_range_names_the_file(tmp_path):
    from tests.conftest import write_fake_camvid
    root = write_fake_camvid(str(tmp_path / 'c'), label_value=17)
    dataset = build(root)
    with pytest.raises(RuntimeError) as err:
        dataset[0]
    message = str(err.value)
    assert osp.join('ann_dir', 'train', '0000.png') in message
    assert '[17]' in message and '0..10' in message
    assert dataset[1]['gt_seg_map'].max() <= 255  # other files still load


def test_corrupt_image_names_the_file(fake_camvid):
    bad = osp.join(fake_camvid, 'img_dir', 'train', '0001.png')
    with open(bad, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n this is not an image')
    dataset = build(fake_camvid, pipeline=LOAD)
    with pytest.raises(RuntimeError, match='0001.png'):
        dataset[1]


def test_empty_image_dir_is_an_error(tmp_path):
    (tmp_path / 'img_dir' / 'train').mkdir(parents=True)
    (tmp_path / 'ann_dir' / 'train').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='no images'):
        build(str(tmp_path))


def test_is_registered():
    assert DATASETS.get('CamVidDataset') is CamVidDataset
