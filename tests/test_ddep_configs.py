"""configs/ddep: recipes, one training step each, checkpoint transfer.

CPU-scale CamVid configs train a step on real CamVid images; the paper-scale
TransUNet and ResNet-50 U-Net configs are built at full size on the meta
device (no memory) and train a step with a tiny encoder and decoder on 64x64
inputs.
"""
import copy
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image

from mmssl_seg.registry import DATASETS, MODELS
from tests.conftest import REPO

DDEP_DIR = osp.join(REPO, 'configs', 'ddep')
CONFIGS = sorted(
    osp.relpath(p, DDEP_DIR) for p in glob.glob(osp.join(DDEP_DIR, '*.py')) +
    glob.glob(osp.join(DDEP_DIR, 'benchmarks', '*.py')))
CAMVID = [c for c in CONFIGS if 'camvid' in c]
PAPER = [c for c in CONFIGS if 'camvid' not in c]

CPU_PRE = 'effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py'
CPU_FT = 'effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py'
DDEP = 'ddep_' + CPU_PRE
DEP = 'dep_' + CPU_PRE
BASELINE = '../supervised/supervised_' + CPU_FT
DDEP_FT = 'benchmarks/ddep-finetune_' + CPU_FT
DEP_FT = 'benchmarks/dep-finetune_' + CPU_FT
ABLATIONS = ('imagetarget', 'additive', 'randgamma')
LENGTHS = (1600, 6400)  # the pretraining-compute study
PAPER_PRE = 'ddep_transunet-r50-vitb16-unet{}x_64xb8-100e_in21k-224x224.py'
CITYSCAPES = ('benchmarks/ddep-finetune_transunet-r50-vitb16-unet2x_8xb1-80k_'
              'cityscapes-1024x1024.py')
ADE20K = ('benchmarks/ddep-finetune_transunet-r50-vitb16-unet3x_8xb2-160k_'
          'ade20k-512x512.py')
CONTEXT = ('benchmarks/ddep-finetune_transunet-r50-vitb16-unet3x_8xb2-80k_'
           'pascal-context-59-512x512.py')
R50_PRE = 'ddep_r50-unet1x_64xb8-100e_in21k-224x224.py'
R50_CONTEXT = ('benchmarks/ddep-finetune_r50-unet1x_8xb2-80k_'
               'pascal-context-59-512x512.py')


def load(name):
    return Config.fromfile(osp.join(DDEP_DIR, name))


def is_pretrain(cfg):
    return cfg.model.type == 'DenoisingPretrainer'


def test_the_config_set_is_complete():
    expected = {DDEP, DEP, DDEP_FT, DEP_FT, CITYSCAPES, ADE20K,
                CONTEXT, R50_PRE, R50_CONTEXT,
                *(PAPER_PRE.format(m) for m in (1, 2, 3))}
    for a in ABLATIONS:
        expected |= {f'ddep-{a}_{CPU_PRE}',
                     f'benchmarks/ddep-{a}-finetune_{CPU_FT}'}
    for n in LENGTHS:
        expected |= {DDEP.replace('400i', f'{n}i'),
                     f'benchmarks/ddep-{n}i-finetune_{CPU_FT}'}
    assert set(CONFIGS) == expected
    assert set(CAMVID) | set(PAPER) == set(CONFIGS)


@pytest.mark.parametrize('name', CONFIGS)
def test_every_config_builds_its_model(name):
    """Full size, on the meta device (no memory, no weights loaded)."""
    cfg = load(name)
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    head = model.decode_head
    if 'transunet' in name:
        mult = int(name.split('-unet')[1][0])
        assert head.block_widths == [w * mult for w in (1024, 512, 256, 128,
                                                        64)]
        vit = model.backbone.vit
        assert (len(vit.layers), vit.embed_dims) == (12, 768)  # ViT-B
        assert [len(s) for s in model.backbone.stages] == [3, 4, 9]  # R50
    elif 'r50-unet' in name:
        assert head.block_widths == [1024, 512, 256, 128, 64]  # 1x
        assert type(model.backbone).__name__ == 'ResNetV1c'
        assert [len(model.backbone.layer1), len(model.backbone.layer4)] == [
            3, 3] and len(model.backbone.layer3) == 6  # ResNet-50
    else:
        assert head.block_widths == [256, 128, 64, 32, 16]  # 1/4 width
    n_out = model.head.conv.out_channels if is_pretrain(cfg) else \
        head.conv_seg.out_channels
    assert n_out == (3 if is_pretrain(cfg) else head.num_classes)
    # pretraining configs are in configs/ddep, fine-tuning in benchmarks/
    assert is_pretrain(cfg) != name.startswith('benchmarks/')


def test_ddep_recipe():
    m = load(DDEP).model
    assert m.noise == dict(type='GaussianNoise', sigma=0.22, mode='scaled')
    assert m.target == 'noise' and m.frozen_slots == ('backbone', )
    assert m.backbone.pretrained  # the ImageNet encoder
    cfg = load(DDEP)
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert [s.type for s in cfg.param_scheduler] == ['CosineAnnealingLR']
    assert any(h.type == 'DenoisingVisualizationHook'
               for h in cfg.custom_hooks)
    assert not any(t.type == 'LoadAnnotations'
                   for t in cfg.train_dataloader.dataset.pipeline)
    dep = load(DEP).model
    assert dep.frozen_slots == () and not dep.backbone.pretrained


def test_ablations_change_one_thing_each():
    base = load(DDEP).model
    changed = {
        'imagetarget': dict(target='image'),
        'additive': dict(noise=dict(base.noise, mode='additive')),
        'randgamma': dict(noise=dict(type='GaussianNoise', mode='scaled',
                                     random_gamma=True)),
    }
    for a in ABLATIONS:
        assert load(f'ddep-{a}_{CPU_PRE}').model == dict(base, **changed[a])
        ft = load(f'benchmarks/ddep-{a}-finetune_{CPU_FT}')
        assert ft.model == load(DDEP_FT).model
        assert ft.pretrain_stages[0].config.endswith(f'ddep-{a}_{CPU_PRE}')
        assert ft.slots == load(DDEP_FT).slots


def test_longer_pretrainings_change_only_the_length():
    base = load(DDEP)
    for n in LENGTHS:
        cfg = load(DDEP.replace('400i', f'{n}i'))
        assert cfg.model == base.model
        assert cfg.train_dataloader == base.train_dataloader
        assert cfg.optim_wrapper == base.optim_wrapper
        assert cfg.train_cfg.max_iters == n
        [cosine] = cfg.param_scheduler
        assert (cosine.T_max, cosine.end, cosine.eta_min) == (n, n, 0.)
        ft = load(f'benchmarks/ddep-{n}i-finetune_{CPU_FT}')
        assert ft.model == load(DDEP_FT).model
        assert ft.pretrain_stages[0].config.endswith(
            DDEP.replace('400i', f'{n}i'))
        assert ft.slots == dict(decode_head=f'ddep-{n}i')


@pytest.mark.parametrize('name', [c for c in CONFIGS if 'finetune' in c])
def test_finetune_takes_slots_of_its_pretraining_stage(name):
    """One label-free stage, run once for all splits; the decoder (and for
    DeP the encoder) comes from it, with the same state-dict layout."""
    cfg = load(name)
    [stage] = cfg.pretrain_stages
    assert not stage.get('per_split', False)
    expected = ['backbone', 'decode_head'] if 'dep-finetune' in name \
        and 'ddep' not in name else ['decode_head']
    assert sorted(cfg.slots) == expected
    assert set(cfg.slots.values()) == {stage.name}
    assert cfg.load_from is None
    pre = Config.fromfile(osp.join(REPO, stage.config))
    assert cfg.train_dataloader.dataset.type == 'LabelFractionDataset'
    for key in ('backbone', 'decode_head'):
        a, b = dict(pre.model[key]), dict(cfg.model[key])
        # the fine-tuning's loss holds no weights; pretraining ignores it
        for k in ('num_classes', 'pretrained', 'init_cfg', 'img_size',
                  'loss_decode'):
            a.pop(k, None), b.pop(k, None)
        assert a == b, key


def test_camvid_finetune_recipe():
    cfg = load(BASELINE)
    assert cfg.train_dataloader.dataset.fraction == 0.1
    assert cfg.model.decode_head.num_classes == 11
    loss = cfg.model.decode_head.loss_decode
    assert loss.type == 'ClassWeightedCrossEntropyLoss'
    assert loss.class_weight == cfg.class_weight  # _base_/datasets/camvid.py
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert 'CosineAnnealingLR' in [s.type for s in cfg.param_scheduler]
    assert 'pretrain_stages' not in cfg and cfg.load_from is None
    assert cfg.model.backbone.pretrained  # ImageNet encoder, random decoder
    assert load(DEP_FT).model.backbone.pretrained is False
    assert load(DDEP_FT).model == cfg.model


# --------------------------------------------------------------- CamVid runs
def camvid_cfg(name, root):
    cfg = load(name)
    dataset = cfg.train_dataloader.dataset
    inner = dataset.dataset if dataset.type == 'LabelFractionDataset' \
        else dataset
    inner.data_root = root
    cfg.train_dataloader.update(
        batch_size=2, num_workers=0, persistent_workers=False)
    return cfg


@pytest.mark.parametrize('name', CAMVID + [BASELINE])
def test_camvid_config_trains_one_step(name, camvid_root):
    cfg = camvid_cfg(name, camvid_root)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == (367 if is_pretrain(cfg) else 37)
    model = MODELS.build(cfg.model)
    model.init_weights()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log = model.train_step(pseudo_collate([dataset[0], dataset[1]]), wrapper)
    assert all(torch.isfinite(v).all() for v in log.values())
    changed = {n for n, p in model.named_parameters()
               if not torch.equal(p, before[n])}
    assert any(n.startswith('decode_head.') for n in changed)
    frozen = is_pretrain(cfg) and 'backbone' in cfg.model.frozen_slots
    assert any(n.startswith('backbone.') for n in changed) != frozen


def run_runner(cfg, work_dir, max_iters):
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.update(max_iters=max_iters, val_interval=max_iters + 1)
    cfg.default_hooks.checkpoint.interval = max_iters
    cfg.default_hooks.logger.interval = 1
    cfg.pop('custom_hooks', None)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


@pytest.mark.parametrize('pre_name,ft_name', [(DDEP, DDEP_FT), (DEP, DEP_FT)])
def test_pretrain_checkpoint_arrives_in_the_slots(
        pre_name, ft_name, camvid_root, tmp_path):
    """The slots the chain runner fills (a Pretrained init per slot, after
    every other init): the decoder (and for DeP the encoder) is the
    pretrained one; for DDeP the encoder is ImageNet's."""
    run_runner(camvid_cfg(pre_name, camvid_root), tmp_path / 'pre', 2)
    ckpt_path = tmp_path / 'pre' / 'iter_2.pth'
    state = torch.load(
        ckpt_path, map_location='cpu', weights_only=False)['state_dict']
    assert not any(k.startswith('decode_head.conv_seg') for k in state)

    cfg = camvid_cfg(ft_name, camvid_root)
    cfg.model.init_cfg = [
        dict(type='Pretrained', checkpoint=str(ckpt_path), prefix=f'{slot}.',
             slot=slot) for slot in cfg.slots]
    # lr 0: the step leaves the parameters as loaded
    cfg.optim_wrapper.optimizer.lr = 0.
    # DeP: ImageNet weights would come from init_weights; the slot must win
    cfg.model.backbone.pretrained = True
    model = run_runner(cfg, tmp_path / 'ft', 1).model

    cfg.model.init_cfg = None
    fresh = MODELS.build(cfg.model)
    fresh.init_weights()  # ImageNet encoder, random decoder
    params = dict(model.named_parameters())
    fresh_params = dict(fresh.named_parameters())
    decoder = [n for n in params
               if n.startswith('decode_head.') and 'conv_seg' not in n]
    assert decoder
    for n in decoder:
        assert torch.equal(params[n], state[n]), n
        if n.endswith('conv.weight'):
            assert not torch.equal(params[n], fresh_params[n]), n
    encoder = [n for n in params if n.startswith('backbone.')]
    for n in encoder:
        assert torch.equal(params[n], state[n]), n
    imagenet = all(torch.equal(params[n], fresh_params[n]) for n in encoder)
    assert imagenet == (pre_name == DDEP)


# ---------------------------------------------------------------- paper scale
TINY_ENCODER = dict(
    stem_channels=8,
    base_channels=4,
    stage_blocks=(1, 1, 1),
    norm_cfg=dict(type='GN', num_groups=2),
    img_size=64,
    embed_dims=32,
    num_layers=1,
    num_heads=2,
    init_cfg=None)


TINY_RESNET = dict(depth=18, stem_channels=8, base_channels=4, init_cfg=None)


def tiny(model_cfg):
    model_cfg = copy.deepcopy(model_cfg)
    if model_cfg.backbone.type == 'ResNetV1c':
        model_cfg.backbone.update(TINY_RESNET)
        in_channels = [4, 8, 16, 32]
    else:
        model_cfg.backbone.update(TINY_ENCODER)
        in_channels = [8, 16, 32, 32]
    model_cfg.decode_head.update(
        in_channels=in_channels, block_widths=[32, 16, 8, 8, 4])
    model_cfg.data_preprocessor.size = (64, 64)
    if model_cfg.get('test_cfg', {}).get('mode') == 'slide':
        model_cfg.test_cfg.update(crop_size=(32, 32), stride=(32, 32))
    return model_cfg


def fake_batch(num_classes, size=64, with_labels=True):
    g = torch.Generator().manual_seed(0)
    sample = SegDataSample()
    sample.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size),
                             pad_shape=(size, size)))
    if with_labels:
        sample.gt_sem_seg = PixelData(data=torch.randint(
            0, num_classes, (1, size, size), generator=g))
    image = torch.randint(0, 256, (3, size, size), generator=g,
                          dtype=torch.uint8)
    return dict(inputs=[image], data_samples=[sample])


@pytest.mark.parametrize('name', PAPER)
def test_paper_config_runs_one_tiny_iteration(name):
    cfg = load(name)
    model = MODELS.build(tiny(cfg.model))
    model.init_weights()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    pre = is_pretrain(cfg)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log = model.train_step(
        fake_batch(cfg.model.decode_head.num_classes, with_labels=not pre),
        wrapper)
    assert all(torch.isfinite(v).all() for v in log.values())
    changed = {n for n, p in model.named_parameters()
               if not torch.equal(p, before[n])}
    assert any(n.startswith('decode_head.') for n in changed)
    assert any(n.startswith('backbone.') for n in changed) != pre


@pytest.mark.parametrize('name,mult,lr', [
    (PAPER_PRE.format(1), 1, 6e-5), (PAPER_PRE.format(2), 2, 1e-4),
    (PAPER_PRE.format(3), 3, 6e-5), (R50_PRE, 1, 6e-5)])
def test_paper_pretrain_recipe(name, mult, lr, tmp_path):
    cfg = load(name)
    assert cfg.model.decode_head.width_multiplier == mult
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.optim_wrapper.optimizer.lr == lr
    assert cfg.param_scheduler[0].type == 'CosineAnnealingLR'
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.train_dataloader.batch_size * 64 == 512
    assert cfg.auto_scale_lr.base_batch_size == 512
    assert cfg.model.frozen_slots == ('backbone', )
    assert cfg.model.target == 'noise'
    assert cfg.model.noise.sigma == 0.22
    dataset = DATASETS.build(cfg.train_dataloader.dataset)  # lazy: no data
    assert type(dataset).__name__ == 'ImageNet21k'
    assert not dataset.with_label
    path = str(tmp_path / 'x.jpg')
    Image.fromarray(np.zeros((300, 400, 3), np.uint8)).save(path)
    out = Compose(cfg.train_dataloader.dataset.pipeline)(dict(img_path=path))
    assert out['inputs'].shape == (3, 224, 224)


def test_paper_pretrain_transfers_to_a_larger_crop():
    """Decoder keys match, and the encoder's position embeddings (made for
    the pretraining crop) are resized on load for the fine-tuning crop."""
    from mmengine.runner.checkpoint import load_state_dict
    from mmpretrain.models.utils import resize_pos_embed
    pre = MODELS.build(tiny(load(PAPER_PRE.format(2)).model))
    pre.init_weights()
    ft_cfg = tiny(load(CITYSCAPES).model)
    ft_cfg.backbone.img_size = 128
    ft = MODELS.build(ft_cfg)
    load_state_dict(ft, pre.state_dict())
    for n, p in ft.named_parameters():
        if n.startswith('decode_head.') and 'conv_seg' not in n:
            assert torch.equal(p, pre.state_dict()[n]), n
    vit = ft.backbone.vit
    expected = resize_pos_embed(
        pre.backbone.vit.pos_embed, (4, 4), (8, 8),
        mode=vit.interpolate_mode, num_extra_tokens=0)
    assert torch.allclose(vit.pos_embed, expected)


@pytest.mark.parametrize('name,crop,views', [(CITYSCAPES, 1024, 2),
                                             (ADE20K, 512, 12),
                                             (CONTEXT, 512, 12),
                                             (R50_CONTEXT, 512, 12)])
def test_paper_finetune_recipe(name, crop, views, tmp_path):
    cfg = load(name)
    assert cfg.crop_size == (crop, crop)
    pipeline = cfg.train_dataloader.dataset.dataset.pipeline
    assert [t.crop_size for t in pipeline
            if t.type == 'RandomCrop'] == [(crop, crop)]
    assert cfg.model.data_preprocessor.size == (crop, crop)
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert 1e-5 <= cfg.optim_wrapper.optimizer.lr <= 3e-4
    assert cfg.param_scheduler[0].type == 'CosineAnnealingLR'
    # test-time views: flip (Cityscapes) or 6 scales x flip
    img = str(tmp_path / 'x.png')
    seg = str(tmp_path / 'y.png')
    Image.fromarray(np.zeros((64, 128, 3), np.uint8)).save(img)
    Image.fromarray(np.ones((64, 128), np.uint8)).save(seg)
    out = Compose(cfg.tta_pipeline)(
        dict(img_path=img, seg_map_path=seg, reduce_zero_label=False,
             seg_fields=[]))
    assert len(out['inputs']) == views
    if name == CITYSCAPES:
        assert cfg.model.test_cfg == dict(
            mode='slide', crop_size=(1024, 1024), stride=(1024, 1024))


def test_cityscapes_half_image_inference_on_tiny_inputs():
    """Slide windows of the crop size with stride = crop: two halves."""
    cfg = load(CITYSCAPES)
    model = MODELS.build(tiny(cfg.model)).eval()
    model.init_weights()
    seen = []
    encode = model.encode_decode
    model.encode_decode = lambda x, metas: seen.append(x.shape) or encode(
        x, metas)
    batch = fake_batch(19, size=32)
    batch['inputs'] = [torch.randint(0, 256, (3, 32, 64), dtype=torch.uint8)]
    batch['data_samples'][0].set_metainfo(
        dict(img_shape=(32, 64), ori_shape=(32, 64), pad_shape=(32, 64)))
    with torch.no_grad():
        out = model.test_step(batch)
    assert seen == [(1, 3, 32, 32)] * 2
    assert out[0].pred_sem_seg.shape == (32, 64)
