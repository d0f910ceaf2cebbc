"""The GMML / SiT pretraining algorithm on a tiny ViT."""
import math

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.structures import DataSample

from mmssl_seg.models.algorithms import GMML
from mmssl_seg.registry import MODELS

DIMS = 32
BACKBONE = dict(
    type='mmpretrain.VisionTransformer',
    arch=dict(embed_dims=DIMS, num_layers=2, num_heads=2,
              feedforward_channels=64),
    img_size=16, patch_size=4, out_type='raw')
HEAD = dict(type='GMMLReconstructionHead', in_channels=DIMS, patch_size=4,
            hidden_channels=DIMS)
CONTRASTIVE = dict(type='GMMLContrastiveHead', in_channels=DIMS,
                   hidden_channels=DIMS, out_channels=16,
                   loss=dict(type='NTXentLoss', form='moco'))
PREPROCESSOR = dict(type='mmpretrain.SelfSupDataPreprocessor',
                    mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], to_rgb=True)


def _gmml(**kwargs):
    cfg = dict(type='GMML', backbone=BACKBONE, head=HEAD,
               contrastive_head=CONTRASTIVE,
               corruption=dict(type='GMMLCorruption', patch_size=4, seed=0),
               momentum=0.996, data_preprocessor=PREPROCESSOR)
    cfg.update(kwargs)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _views(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 3, 16, 16, generator=g) for _ in range(2)]


@pytest.fixture(autouse=True)
def max_iters():
    """CosineEMA reads the run length from the message hub."""
    MessageHub.get_current_instance().update_info('max_iters', 4)


def test_one_training_step_from_two_uint8_views():
    model = _gmml()
    assert isinstance(model, GMML)
    g = torch.Generator().manual_seed(1)
    data = dict(inputs=[torch.randint(0, 256, (4, 3, 16, 16), generator=g,
                                      dtype=torch.uint8) for _ in range(2)],
                data_samples=[DataSample() for _ in range(4)])
    before = model.backbone.cls_token.clone()
    log = model.train_step(data, OptimWrapper(
        torch.optim.Adam(model.parameters(), lr=1e-3)))
    assert set(log) == {'loss', 'loss_recons', 'loss_contrast'}
    assert log['loss'].item() == pytest.approx(
        (log['loss_recons'] + log['loss_contrast']).item())
    assert not torch.equal(before, model.backbone.cls_token)


@pytest.mark.parametrize('momentum', [0.996, None])
def test_the_loss_decreases_over_a_few_steps(momentum):
    model = _gmml(momentum=momentum)
    views = _views()
    optim = torch.optim.Adam(model.parameters(), lr=2e-3)

    def total():
        model.corruption.generator.manual_seed(0)  # one fixed corruption
        return sum(model.loss(views).values())

    first = total()
    for _ in range(8):
        optim.zero_grad()
        sum(model.loss(views).values()).backward()
        optim.step()
    with torch.no_grad():
        assert total() < 0.8 * first.item()


def test_teacher_follows_the_cosine_ema_schedule():
    model = _gmml()
    student, teacher = model.backbone.cls_token, \
        model.teacher.module.backbone.cls_token
    expected = None
    for step in range(4):
        with torch.no_grad():
            student.fill_(float(step + 1))
        model.loss(_views())
        if step == 0:  # the first update copies the student
            expected = 1.
        else:
            tau = 1 - 0.004 * (math.cos(math.pi * step / 4) + 1) / 2
            expected = tau * expected + (1 - tau) * (step + 1)
        torch.testing.assert_close(teacher, torch.full_like(teacher,
                                                            expected))
    assert expected != pytest.approx(4.)  # the teacher lags the student


def test_teacher_gets_no_gradient_and_the_student_does():
    model = _gmml()
    sum(model.loss(_views()).values()).backward()
    assert all(not p.requires_grad and p.grad is None
               for p in model.teacher.parameters())
    assert model.backbone.cls_token.grad.abs().sum() > 0
    assert model.contrastive_head.mlp[0].weight.grad.abs().sum() > 0


def test_each_loss_switches_off_and_alpha_weighs_the_reconstruction():
    views = _views()
    recons_only = _gmml(contrastive_head=None, alpha=1.)
    losses = recons_only.loss(views)
    assert set(losses) == {'loss_recons'} and recons_only.teacher is None
    contrast_only = _gmml(head=None)
    assert set(contrast_only.loss(views)) == {'loss_contrast'}
    weighted = _gmml(contrastive_head=None, alpha=5.)  # same corruption
    torch.testing.assert_close(weighted.loss(views)['loss_recons'],
                               5 * losses['loss_recons'])


def test_reconstruct_returns_corruption_mask_and_image():
    corrupted, mask, image = _gmml().reconstruct(_views()[0])
    assert corrupted.shape == image.shape == (4, 3, 16, 16)
    assert mask.shape == (4, 1, 16, 16) and 0 < mask.mean() < 1


@pytest.mark.parametrize('kwargs,inputs,match', [
    (dict(head=None, contrastive_head=None), None, 'needs a head'),
    (dict(head=dict(HEAD, patch_size=8)), None, 'patch sizes differ'),
    (dict(backbone=dict(BACKBONE, out_type='featmap')), 'views',
     "out_type='raw'"),
    (dict(backbone=dict(BACKBONE, with_cls_token=False)), None,
     'with_cls_token=True'),
    ({}, 'one view', 'needs 2 views'),
    ({}, 'odd size', '18x16 view is not a whole number of 4x4 patches'),
])
def test_bad_configuration_and_input_are_clear_errors(kwargs, inputs, match):
    with pytest.raises(ValueError, match=match):
        model = _gmml(**kwargs)
        model.loss({'views': _views(), 'one view': _views()[:1],
                    'odd size': [torch.zeros(2, 3, 18, 16)] * 2}[inputs])


def test_gmml_backbone_arrives_in_a_segmentor_of_another_size(tmp_path):
    model = _gmml()
    path = str(tmp_path / 'gmml.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    segmentor = MODELS.build(dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor'),
        backbone=dict(BACKBONE, img_size=24, out_type='featmap',
                      out_indices=(0, 1),
                      init_cfg=dict(type='Pretrained', checkpoint=path,
                                    prefix='backbone.')),
        decode_head=dict(type='FCNHead', in_channels=DIMS, channels=8,
                         num_convs=1, num_classes=3)))
    segmentor.init_weights()
    source = model.backbone.state_dict()
    received = segmentor.backbone.state_dict()
    assert set(source) == set(received)
    for key, value in received.items():
        if key == 'pos_embed':  # 4x4 patches -> 6x6
            value_expected = resize_pos_embed(source[key], (4, 4), (6, 6),
                                              'bicubic', 1)
            torch.testing.assert_close(value, value_expected)
        else:
            assert torch.equal(value, source[key]), key
