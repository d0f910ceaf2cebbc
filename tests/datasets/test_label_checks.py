"""Label maps are checked in every pipeline: values, and size against image."""
import os.path as osp

import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.config import Config
from PIL import Image

from mmssl_seg.registry import DATASETS
from tests.conftest import REPO, write_fake_camvid

DATASET_BASES = ['camvid', 'cityscapes', 'ade20k', 'pascal_context',
                 'pascal_context_512x512', 'pascal_voc12']
LABEL_FILE = osp.join('ann_dir', 'train', '0000.png')


def load_base(name):
    return Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', f'{name}.py'))


def types(pipeline):
    return [t['type'] for t in pipeline]


@pytest.mark.parametrize('name', DATASET_BASES)
def test_every_pipeline_validates_right_after_loading_labels(name):
    cfg = load_base(name)
    train = cfg.train_dataloader.dataset.dataset.pipeline
    for pipeline in (train, cfg.test_pipeline):
        names = types(pipeline)
        assert names[names.index('LoadAnnotations') + 1] == 'ValidateSegLabels'
    tta = [types(choices) for choices in cfg.tta_pipeline[1]['transforms']]
    assert tta[tta.index(['LoadAnnotations']) + 1] == ['ValidateSegLabels']


@pytest.mark.parametrize('name', DATASET_BASES)
def test_tta_pipeline_rejects_a_label_out_of_range(name, tmp_path):
    root = write_fake_camvid(str(tmp_path / 'c'), label_value=200)
    cfg = load_base(name)
    if name == 'camvid':
        info = DATASETS.build(dict(
            type='CamVidDataset', data_root=root,
            data_prefix=dict(img_path='img_dir/train',
                             seg_map_path='ann_dir/train'))).get_data_info(0)
    else:
        info = dict(img_path=osp.join(root, 'img_dir', 'train', '0000.png'),
                    seg_map_path=osp.join(root, LABEL_FILE),
                    reduce_zero_label=False, seg_fields=[])
    with pytest.raises(ValueError, match=r'0000\.png.*\[200\]') as err:
        Compose(cfg.tta_pipeline)(info)
    assert LABEL_FILE in str(err.value)


def test_camvid_tta_views_of_a_valid_label_pass(fake_camvid):
    dataset = DATASETS.build(dict(
        type='CamVidDataset', data_root=fake_camvid,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=load_base('camvid').tta_pipeline))
    assert len(dataset[0]['inputs']) == 12


def write_pair(tmp_path, img_hw, label_hw):
    img, seg = str(tmp_path / 'img.png'), str(tmp_path / 'seg.png')
    Image.fromarray(np.zeros((*img_hw, 3), np.uint8)).save(img)
    Image.fromarray(np.ones(label_hw, np.uint8)).save(seg)
    return dict(img_path=img, seg_map_path=seg, reduce_zero_label=False,
                seg_fields=[])


def check_pipeline(first=()):
    return Compose([dict(type='LoadImageFromFile'), *first,
                    dict(type='LoadAnnotations'),
                    dict(type='ValidateSegLabels', num_classes=11)])


def test_label_of_another_size_than_its_image_names_both(tmp_path):
    info = write_pair(tmp_path, (36, 48), (30, 48))
    with pytest.raises(ValueError) as err:
        check_pipeline()(info)
    message = str(err.value)
    assert f"label file '{info['seg_map_path']}'" in message
    assert f"image '{info['img_path']}'" in message
    assert '30x48' in message and '36x48' in message


def test_size_check_uses_the_original_image_size_after_resize(tmp_path):
    info = write_pair(tmp_path, (36, 48), (36, 48))
    resize = dict(type='Resize', scale=(24, 18), keep_ratio=True)
    out = check_pipeline([resize])(info)
    assert out['img'].shape[:2] == (18, 24)
    assert out['gt_seg_map'].shape == (36, 48)
    info = write_pair(tmp_path, (36, 48), (18, 24))
    with pytest.raises(ValueError, match='18x24'):
        check_pipeline([resize])(info)
