"""Every config in configs/ parses and builds its model."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmssl_seg.registry import MODELS
from tests.conftest import REPO

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


def test_there_are_configs():
    assert any('supervised' in p for p in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_parses_and_builds_its_model(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmssl_seg'
    for key in ('train_dataloader', 'optim_wrapper', 'train_cfg'):
        assert key in cfg, key
    model = MODELS.build(cfg.model)
    assert isinstance(model, torch.nn.Module)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize(
    'name', ['camvid', 'camvid_128x160', 'cityscapes', 'ade20k',
             'pascal_context', 'pascal_voc12'])
def test_dataset_config_has_multiscale_flip_tta_and_label_fractions(name):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', f'{name}.py'))
    resize, flip = cfg.tta_pipeline[1]['transforms'][:2]
    assert len(resize) == 6 and [f['prob'] for f in flip] == [0., 1.]
    ratios = [r.get('scale_factor') or r['scale'][0] / cfg.test_scale[0]
              for r in resize]
    assert ratios == pytest.approx([0.5, 0.75, 1.0, 1.25, 1.5, 1.75],
                                   abs=0.01)
    train = cfg.train_dataloader.dataset
    assert train.type == 'LabelFractionDataset' and train.fraction == 1.0
    if name.startswith('camvid'):  # video frames: splits spread in time
        assert train.spread_by == '^[^_]+'


@pytest.mark.parametrize('head', ['unet0.25x', 'segformerhead'])
def test_study_recipe_is_the_176x240_one_on_smaller_crops(head):
    """The 128x160 study configs change the crop (pipeline and
    preprocessor) and nothing else: model, schedule, data, evaluation; the
    U-Net's lr and encoder lr were tuned again on them and its loss weighs
    classes (docs/study_protocol.md)."""
    name = 'supervised_effnetlite0-{}_1xb8-250i_camvid-{}.py'
    small, large = (
        Config.fromfile(
            osp.join(REPO, 'configs', 'supervised', name.format(head, crop)))
        for crop in ('128x160', '176x240'))
    crops, rest = [], []
    for cfg in (small, large):
        cfg = cfg.to_dict()
        pipeline = cfg['train_dataloader']['dataset']['dataset']['pipeline']
        [crop] = [t for t in pipeline if t['type'] == 'RandomCrop']
        preprocessor = cfg['model']['data_preprocessor']
        crops.append((crop.pop('crop_size'), preprocessor.pop('size'),
                      cfg['optim_wrapper']['optimizer'].pop('lr'),
                      cfg['optim_wrapper'].pop('paramwise_cfg', None),
                      cfg['model']['decode_head'].pop('loss_decode')['type']))
        for key in ('crop_size', 'train_pipeline'):
            cfg.pop(key)
        rest.append(cfg)
    tuned = head == 'unet0.25x'
    small_loss = ('ClassWeightedCrossEntropyLoss'
                  if tuned else 'CrossEntropyLoss')
    encoder_lr = dict(custom_keys=dict(backbone=dict(lr_mult=0.1)))
    assert crops == [((128, 160), (128, 160), 3e-3 if tuned else 1e-3,
                      encoder_lr if tuned else None, small_loss),
                     ((176, 240), (176, 240), 1e-3, None,
                      'CrossEntropyLoss')]
    assert rest[0] == rest[1]


def test_default_hooks_live_in_the_runtime_base():
    schedules = glob.glob(
        osp.join(REPO, 'configs', '_base_', 'schedules', '*.py'))
    assert schedules
    for path in schedules:
        with open(path) as f:
            assert 'default_hooks' not in f.read(), path
    hooks = {'timer', 'logger', 'param_scheduler', 'checkpoint',
             'sampler_seed', 'visualization', 'labelled_split'}
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        assert set(cfg.default_hooks) == hooks, path
        # the final checkpoint is always written: chains need it
        assert cfg.default_hooks.checkpoint.get('save_last', True), path
