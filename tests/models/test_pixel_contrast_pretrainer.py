"""Stage 1 of label-based pixel contrast and its hand-over to stage 2."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmssl_seg.models.algorithms import PixelContrastPretrainer
from mmssl_seg.models.losses import pixel_contrast_loss
from mmssl_seg.models.utils import pre_classifier_features
from mmssl_seg.registry import DATASETS, MODELS
from tests.conftest import REPO

CONFIGS = osp.join(REPO, 'configs', 'pixel_contrast')
STAGE1 = {
    mode: osp.join(
        CONFIGS, f'pixelcontrast-{mode}_effnetlite0-deeplabv3plus_'
        '1xb8-200i_camvid-176x240.py')
    for mode in ('single', 'batch')
}
# the study on the sound U-Net baseline
UNET_STAGE1 = {
    mode: osp.join(
        CONFIGS, f'pixelcontrast-{mode}_effnetlite0-unet0.25x_'
        '1xb8-250i_camvid-128x160.py')
    for mode in ('single', 'batch')
}
UNET_BASELINE = osp.join(
    REPO, 'configs', 'supervised',
    'supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py')
STAGE2 = osp.join(
    CONFIGS, 'benchmarks', 'pixelcontrast-single-finetune_effnetlite0-'
    'deeplabv3plus_1xb8-200i_camvid-176x240.py')

BN = dict(type='BN', requires_grad=True)
BACKBONE = dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8)
SEP_ASPP = dict(
    type='DeepLabV3PlusHead',
    in_channels=64,
    in_index=3,
    channels=16,
    dilations=(1, 2),
    c1_in_channels=8,
    c1_channels=4,
    dropout_ratio=0.1,
    num_classes=3,
    norm_cfg=BN)
HEADS = {
    'deeplabv3plus': SEP_ASPP,
    'fcn': dict(type='FCNHead', in_channels=64, in_index=3, channels=16,
                num_convs=1, num_classes=3, norm_cfg=BN),
    'aspp': dict(type='ASPPHead', in_channels=64, in_index=3, channels=16,
                 dilations=(1, 2), num_classes=3, norm_cfg=BN),
    'unet': dict(type='UNetHead', in_channels=[8, 16, 32, 64],
                 in_index=[0, 1, 2, 3], width_multiplier=1 / 32,
                 num_classes=3),
}
PREPROCESSOR = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    size=(32, 32),
    seg_pad_val=255)


def _backbone_feats(seed=0):
    torch.manual_seed(seed)
    backbone = MODELS.build(BACKBONE)
    backbone.eval()  # mmseg's ResNet.train() returns None
    with torch.no_grad():
        return backbone(torch.randn(2, 3, 32, 32))


def _pretrainer(**kwargs):
    cfg = dict(
        type='PixelContrastPretrainer',
        backbone=BACKBONE,
        decode_head=SEP_ASPP,
        data_preprocessor=PREPROCESSOR,
        head=dict(
            type='PixelContrastHead',
            channels=8,
            loss=dict(type='PixelContrastLoss', max_pixels=None)))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _labels(seed=0):
    """(2, 32, 32) labels in 0..2 with an ignored stripe."""
    labels = torch.randint(0, 3, (2, 32, 32),
                           generator=torch.Generator().manual_seed(seed))
    labels[:, :4] = 255
    return labels


def _samples(labels):
    return [
        SegDataSample(gt_sem_seg=PixelData(data=label[None]),
                      metainfo=dict(img_shape=(32, 32), pad_shape=(32, 32)))
        for label in labels
    ]


@pytest.mark.parametrize('name', list(HEADS))
def test_pre_classifier_features_are_the_classifier_input(name):
    head = MODELS.build(HEADS[name]).eval()
    feats = _backbone_feats()
    with torch.no_grad():
        pre = pre_classifier_features(head, feats)
        logits = head(feats)
    assert pre.shape[:2] == (2, head.channels)
    assert torch.allclose(head.conv_seg(pre), logits, atol=1e-6)


def test_deeplabv3plus_head_is_mmsegs_head_with_features():
    ours = MODELS.build(SEP_ASPP).eval()
    mmseg_head = MODELS.build(
        dict(SEP_ASPP, type='mmseg.DepthwiseSeparableASPPHead')).eval()
    assert type(mmseg_head).__name__ == 'DepthwiseSeparableASPPHead'
    mmseg_head.load_state_dict(ours.state_dict())  # the same keys
    feats = _backbone_feats()
    with torch.no_grad():
        assert torch.equal(ours(feats), mmseg_head(feats))


def test_pre_classifier_features_of_a_head_without_them_is_an_error():
    head = MODELS.build(
        dict(type='SegformerHead', in_channels=[8, 16, 32, 64],
             in_index=[0, 1, 2, 3], channels=8, num_classes=3))
    with pytest.raises(TypeError, match='SegformerHead .*forward_features'):
        pre_classifier_features(head, _backbone_feats())


def test_loss_is_the_contrast_of_projected_pre_classifier_features():
    model = _pretrainer()
    assert isinstance(model, PixelContrastPretrainer)
    assert model.head.projector.convs[0].conv.in_channels == 16
    x, labels = torch.randn(2, 3, 32, 32), _labels()
    losses = model.loss(x, _samples(labels))
    assert list(losses) == ['loss_pixel_contrast']
    with torch.no_grad():
        feats = pre_classifier_features(model.decode_head,
                                        model.extract_feat(x))
        expected = pixel_contrast_loss(
            model.head(feats), labels, impl='naive', max_pixels=None)
    assert losses['loss_pixel_contrast'].item() == pytest.approx(
        expected.item(), rel=1e-5)
    assert expected.item() != pytest.approx(
        pixel_contrast_loss(model.head(feats), _labels(seed=1),
                            max_pixels=None).item(), rel=1e-3)

    losses['loss_pixel_contrast'].backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    for prefix in ('backbone.', 'decode_head.sep_bottleneck',
                   'decode_head.c1_bottleneck', 'head.'):
        assert any(g is not None and g.abs().sum() > 0
                   for n, g in grads.items() if n.startswith(prefix)), prefix
    # without with_ce the classifier is not part of the model
    assert not any('conv_seg' in n for n in grads)


def test_optional_cross_entropy_trains_the_classifier():
    model = _pretrainer(with_ce=True)
    losses = model.loss(torch.randn(2, 3, 32, 32), _samples(_labels()))
    assert {'loss_pixel_contrast', 'decode.loss_ce'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.decode_head.conv_seg.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('mode,path', [
    *STAGE1.items(), *UNET_STAGE1.items()])
def test_stage1_config_trains_on_real_camvid_images(camvid_root, mode, path):
    cfg = Config.fromfile(path)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.dataset.data_root = camvid_root
    dataset = DATASETS.build(dataset_cfg)
    data = pseudo_collate([dataset[0], dataset[1]])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert model.head.criterion.mode == mode
    model.init_weights()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.backbone.stem.conv.weight.detach().clone()
    log = model.train_step(data, wrapper)
    loss = log['loss_pixel_contrast'].item()
    # a loss over 11 classes at tau = 0.07 is a few nats: log(N) scale
    assert math.isfinite(loss) and 0 < loss < 20
    assert not torch.equal(before, model.backbone.stem.conv.weight)


def _perturbed_stage1_checkpoint(path):
    """A stage-1 checkpoint whose weights and BN statistics differ from
    both ImageNet and a fresh init."""
    model = MODELS.build(Config.fromfile(STAGE1['single']).model)
    model.init_weights()
    gen = torch.Generator().manual_seed(0)
    state = {k: v + torch.rand(v.shape, generator=gen) if v.is_floating_point()
             else v + 1 for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict()), path)
    return state


def test_stage2_takes_the_slots_of_stage1_and_not_its_head(tmp_path):
    ckpt = str(tmp_path / 'stage1.pth')
    stage1 = _perturbed_stage1_checkpoint(ckpt)
    assert any(k.startswith('head.') for k in stage1)

    cfg = Config.fromfile(STAGE2)
    assert dict(cfg.slots) == dict(backbone='contrast', decode_head='contrast')
    cfg.model.init_cfg = [  # what the chain runner adds for these slots
        dict(type='Pretrained', checkpoint=ckpt, prefix=f'{slot}.', slot=slot)
        for slot in ('backbone', 'decode_head')
    ]
    model = MODELS.build(cfg.model)
    model.init_weights()
    stage2 = model.state_dict()
    # every stage-2 tensor but the new classifier, weights and BN
    # statistics, comes from stage 1
    assert set(stage2) - set(stage1) == {
        'decode_head.conv_seg.weight', 'decode_head.conv_seg.bias'}
    for key, value in stage2.items():
        if 'conv_seg' not in key:
            assert torch.equal(value, stage1[key]), key


@pytest.mark.parametrize('mode', ['single', 'batch'])
def test_unet_study_is_the_baseline_with_a_stage1_of_the_same_network(mode):
    """The fine-tuning is the CE-only baseline's config plus its stage;
    stage 1 trains the baseline's backbone and decoder on its data and
    schedule, and contrasts features at 1/8 of the crop."""
    stage2 = Config.fromfile(osp.join(
        CONFIGS, 'benchmarks', f'pixelcontrast-{mode}-finetune_'
        'effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py'))
    baseline = Config.fromfile(UNET_BASELINE).to_dict()
    [stage] = stage2.pretrain_stages
    assert stage.per_split and osp.join(REPO, stage.config) == \
        UNET_STAGE1[mode]
    assert dict(stage2.slots) == dict(backbone='contrast',
                                      decode_head='contrast')
    rest = stage2.to_dict()
    for key in ('pretrain_stages', 'slots'):
        rest.pop(key)
    # its own lr from the tuning grid, the rest is the baseline's
    assert rest['optim_wrapper']['optimizer'].pop('lr') == 1e-3
    assert baseline['optim_wrapper']['optimizer'].pop('lr') == 3e-3
    assert rest == baseline
    stage1 = Config.fromfile(UNET_STAGE1[mode])
    for slot in ('backbone', 'decode_head', 'data_preprocessor'):
        assert stage1.model[slot] == baseline['model'][slot], slot
    for key in ('train_dataloader', 'param_scheduler', 'train_cfg'):
        assert stage1.to_dict()[key] == baseline[key], key
    optim = stage1.to_dict()['optim_wrapper']
    # not tuned by the grid: lr 1e-3 on the whole model
    assert optim['optimizer'].pop('lr') == 1e-3
    assert optim.pop('paramwise_cfg') == dict(
        custom_keys=dict(backbone=dict(lr_mult=1.)))
    tuned = dict(baseline['optim_wrapper'])
    assert tuned.pop('paramwise_cfg') == dict(
        custom_keys=dict(backbone=dict(lr_mult=0.1)))
    assert optim == tuned
    crop = stage1.model.data_preprocessor.size
    loss = stage1.model.head.loss
    assert (loss.mode, tuple(loss.feat_size)) == (
        mode, (crop[0] // 8, crop[1] // 8))
    # h reads the full-resolution fused features at 1/4 of the crop, as the
    # paper's DeepLabv3+ features
    assert tuple(stage1.model.head.proj_size) == (crop[0] // 4, crop[1] // 4)


def test_projection_at_proj_size_is_h_of_the_resized_features():
    head = MODELS.build(dict(
        type='PixelContrastHead', in_channels=4, channels=8, num_convs=2,
        proj_size=(4, 6), loss=dict(type='PixelContrastLoss',
                                    feat_size=(2, 3))))
    feats = torch.randn(2, 4, 16, 24)
    z = head(feats)
    assert z.shape == (2, 8, 4, 6)
    resized = torch.nn.functional.interpolate(
        feats, (4, 6), mode='bilinear', align_corners=False)
    torch.testing.assert_close(z, head.projector(resized))
    assert torch.allclose(z.norm(dim=1), torch.ones(2, 4, 6))
    head.proj_size = None
    assert head(feats).shape == (2, 8, 16, 24)
