"""configs/pixel_contrast: names, recipes, stage pairs, one step at paper
scale."""
import glob
import math
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmssl_seg.models.algorithms import PixelContrastPretrainer
from mmssl_seg.registry import MODELS
from tests.conftest import REPO

HERE = osp.join(REPO, 'configs', 'pixel_contrast')
SUPERVISED = osp.join(REPO, 'configs', 'supervised')
# the DeepLabv3+ configs of the paper's recipe: stage 1 in configs/
# pixel_contrast, stage 2 in its benchmarks/, the cross-entropy-only
# baselines in configs/supervised
CONFIGS = sorted(
    glob.glob(osp.join(HERE, '*deeplabv3plus*.py')) +
    glob.glob(osp.join(HERE, 'benchmarks', '*deeplabv3plus*.py')) +
    glob.glob(osp.join(SUPERVISED, '*deeplabv3plus*.py')))
IDS = [osp.relpath(p, osp.join(REPO, 'configs')) for p in CONFIGS]
NAME = re.compile(r'(?P<algo>[a-z-]+)_(?P<backbone>[a-z0-9-]+?)-deeplabv3plus_'
                  r'(?P<gpus>\d+)xb(?P<batch>\d+)-(?P<iters>\d+[ik])_'
                  r'(?P<dataset>[a-z0-9]+)-(?P<h>\d+)x(?P<w>\d+)\.py$')
PAPER_LR = {'pretrain': 0.1, 'finetune': 0.007, 'supervised': 0.03}
# CPU schedules fine-tune for 200 iterations instead of 50k: 10x the lr
CPU_LR_FACTOR = {'pretrain': 1, 'finetune': 10, 'supervised': 10}


def _stage(path):
    if osp.dirname(path) == SUPERVISED:
        return 'supervised'
    return 'finetune' if osp.basename(osp.dirname(path)) == 'benchmarks' \
        else 'pretrain'


def test_there_are_both_scales_and_every_stage():
    names = ' '.join(IDS)
    for part in ('camvid', 'voc12', 'cityscapes', 'pixel_contrast/'
                 'pixelcontrast-single_', 'pixel_contrast/pixelcontrast-'
                 'batch_', 'benchmarks/pixelcontrast-single-finetune_',
                 'supervised/supervised_', 'pseudo'):
        assert part in names, part


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_name_matches_the_config(path):
    match = NAME.match(osp.basename(path))
    assert match, 'name is not <algo>_<backbone>-<decoder>_<N>xb<B>-' \
        '<schedule>_<dataset>-<crop>.py'
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.batch_size == int(match['batch'])
    iters = int(match['iters'][:-1]) * (1000 if match['iters'][-1] == 'k'
                                        else 1)
    assert cfg.train_cfg.max_iters == iters
    assert cfg.param_scheduler[0]['type'] == 'CosineAnnealingLR'
    assert cfg.param_scheduler[0]['T_max'] == iters
    assert tuple(cfg.model.data_preprocessor.size) == (int(match['h']),
                                                       int(match['w']))
    assert cfg.default_hooks.checkpoint.interval <= iters


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_recipe_is_the_papers_sgd(path):
    cfg = Config.fromfile(path)
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'SGD'
    assert (optimizer.momentum, optimizer.weight_decay) == (0.9, 4e-5)
    stage = _stage(path)
    factor = CPU_LR_FACTOR[stage] if 'camvid' in path else 1
    assert optimizer.lr == pytest.approx(PAPER_LR[stage] * factor)
    model = MODELS.build(cfg.model)
    is_stage1 = stage == 'pretrain'
    assert isinstance(model, PixelContrastPretrainer) == is_stage1
    if is_stage1:
        assert model.head.criterion.temperature == 0.07
        assert model.head.criterion.mode in osp.basename(path)
        assert cfg.val_cfg is None  # no classifier to validate
        transforms = [t['type'] for t in
                      cfg.train_dataloader.dataset.dataset.pipeline]
        assert 'PhotoMetricDistortion' in transforms  # colour distortion


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS if _stage(p) == 'finetune'],
    ids=[osp.basename(p) for p in CONFIGS if _stage(p) == 'finetune'])
def test_finetuning_pairs_with_a_stage1_of_the_same_network(path):
    cfg = Config.fromfile(path)
    if 'pseudo' in path:  # stage 2 on pseudo labels: run by hand
        assert cfg.pretrain_stages is None and cfg.slots is None
    else:
        [stage] = cfg.pretrain_stages
        assert stage.per_split is True  # stage 1 uses the split's labels
        assert dict(cfg.slots) == dict(backbone=stage.name,
                                       decode_head=stage.name)
        stage1_path = osp.join(REPO, stage.config)
        stage1 = Config.fromfile(stage1_path)
        assert _stage(stage1_path) == 'pretrain'
        for key in ('backbone', 'decode_head', 'data_preprocessor'):
            assert stage1.model[key] == cfg.model[key], key
    # the baseline is the same network without stage 1
    name = NAME.match(osp.basename(path))
    baseline = Config.fromfile(
        osp.join(SUPERVISED,
                 osp.basename(path).replace(name['algo'], 'supervised')))
    assert 'pretrain_stages' not in baseline
    assert baseline.model == cfg.model
    if 'pseudo' not in name['algo']:
        assert baseline.train_dataloader == cfg.train_dataloader


PAPER_SCALE = [p for p in CONFIGS if 'r50' in osp.basename(p)]


@pytest.mark.parametrize('path', PAPER_SCALE,
                         ids=[osp.basename(p) for p in PAPER_SCALE])
def test_paper_scale_config_runs_one_step_on_tiny_inputs(path):
    cfg = Config.fromfile(path)
    cfg.model.data_preprocessor.size = (65, 65)  # 513x513 at paper scale
    if cfg.model.type == 'PixelContrastPretrainer':
        cfg.model.head.loss.feat_size = (9, 9)  # 65x65 of 129x129
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    num_classes = cfg.model.decode_head.num_classes
    data = dict(inputs=[], data_samples=[])
    for _ in range(2):
        data['inputs'].append(torch.randint(0, 256, (3, 65, 65),
                                            dtype=torch.uint8))
        labels = torch.randint(0, num_classes, (1, 65, 65))
        labels[:, :5] = 255
        data['data_samples'].append(SegDataSample(
            gt_sem_seg=PixelData(data=labels),
            metainfo=dict(img_shape=(65, 65), ori_shape=(65, 65))))
    before = [p.detach().clone() for p in model.backbone.parameters()]
    log = model.train_step(data, wrapper)
    key = ('loss_pixel_contrast' if _stage(path) == 'pretrain'
           else 'decode.loss_ce')
    assert math.isfinite(log[key].item()) and log[key].item() > 0
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.backbone.parameters()))
