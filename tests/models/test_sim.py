"""The SIM pretraining algorithm on a tiny ViT."""
import math

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

from mmssl_seg.models.utils import encode_visible
from mmssl_seg.registry import MODELS

DIMS = 32
BACKBONE = dict(
    type='ViTSinCos',
    arch=dict(embed_dims=DIMS, num_layers=2, num_heads=2,
              feedforward_channels=64),
    img_size=16, patch_size=4, out_type='raw')
HEAD = dict(type='SIMHead', in_channels=DIMS, embed_dims=DIMS, num_heads=2,
            projector_depth=1, predictor_depth=1)


def _sim(**kwargs):
    cfg = dict(type='SIM', backbone=BACKBONE, head=HEAD,
               masking=dict(type='FixedCountBlockMasking', ratio=0.5,
                            min_num_patches=2),
               data_preprocessor=dict(
                   type='mmpretrain.SelfSupDataPreprocessor'))
    cfg.update(kwargs)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _views(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 3, 16, 16, generator=g) for _ in range(2)]


def _samples(n=4):
    samples = []
    for i in range(n):
        sample = DataSample()
        sample.set_metainfo(dict(
            crop_boxes=[[0., 0., 64., 64.], [8. * i, 4., 48., 64.]],
            flips=[False, bool(i % 2)]))
        samples.append(sample)
    return samples


@pytest.fixture(autouse=True)
def max_iters():
    """CosineEMA reads the run length from the message hub."""
    MessageHub.get_current_instance().update_info('max_iters', 4)


def test_one_step_trains_the_online_branch_and_not_the_patch_embedding():
    model = _sim()
    losses = model.loss(_views(), _samples())
    assert set(losses) == {'loss_global', 'loss_dense'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert model.backbone.layers[0].attn.qkv.weight.grad.abs().sum() > 0
    assert model.head.mask_token.grad.abs().sum() > 0
    assert model.head.predictor[0].attn.qkv.weight.grad.abs().sum() > 0
    assert model.backbone.patch_embed.projection.weight.grad is None
    assert not model.backbone.pos_embed.requires_grad  # fixed sin-cos


def test_target_branch_gets_no_gradient_and_covers_encoder_and_projector():
    model = _sim()
    sum(model.loss(_views(), _samples()).values()).backward()
    target = model.target.module
    assert all(not p.requires_grad and p.grad is None
               for p in model.target.parameters())
    assert set(dict(target.named_children())) == {'backbone', 'projector'}


def test_target_follows_the_cosine_ema_schedule():
    model = _sim(momentum=0.99)
    online = model.backbone.cls_token
    target = model.target.module.backbone.cls_token
    expected = None
    for step in range(4):
        with torch.no_grad():
            online.fill_(float(step + 1))
        model.loss(_views(), _samples())
        if step == 0:  # the first update copies the online branch
            expected = 1.
        else:
            m = 1 - 0.01 * (math.cos(math.pi * step / 4) + 1) / 2
            expected = m * expected + (1 - m) * (step + 1)
        torch.testing.assert_close(target, torch.full_like(target, expected))
    assert expected != pytest.approx(4.)


def test_targets_are_layer_normalised_patch_tokens_of_the_full_view_b():
    model = _sim()
    model.loss(_views(), _samples())  # first update: copy
    with torch.no_grad():
        target = model.target(_views()[1])
    assert target.shape == (4, 16, DIMS)  # 4x4 patches, no class token
    torch.testing.assert_close(target.mean(-1), torch.zeros(4, 16),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(target.var(-1, unbiased=False),
                               torch.ones(4, 16), atol=1e-3, rtol=0)


def test_the_loss_decreases_over_a_few_steps():
    model = _sim()
    wrapper = OptimWrapper(torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3))
    views, samples = _views(), _samples()

    def total():
        torch.manual_seed(1)  # the same masks every step
        return sum(model.loss(views, samples).values())

    first = total()
    for _ in range(15):
        wrapper.update_params(total())
    assert total() < first.item()


def test_code_form_of_the_loss_is_dense_only():
    model = _sim(head=dict(HEAD, loss=dict(type='UniGradLoss',
                                           global_weight=0.,
                                           center_dense=False)))
    assert set(model.loss(_views(), _samples())) == {'loss_dense'}


def test_visible_tokens_are_the_backbone_pass_without_the_masked_patches():
    model = _sim()
    vit, x = model.backbone, _views()[0]
    vit.eval()
    none = torch.zeros(4, 16, dtype=torch.bool)
    torch.testing.assert_close(encode_visible(vit, x, none), vit(x)[-1])
    mask = torch.zeros(4, 16, dtype=torch.bool)
    mask[:, [0, 5, 10]] = True
    changed = x.clone()
    changed[:, :, :4, :4] += 5  # patch 0: masked, so it cannot matter
    torch.testing.assert_close(encode_visible(vit, changed, mask),
                               encode_visible(vit, x, mask))
    assert encode_visible(vit, x, mask).shape == (4, 1 + 13, DIMS)
    changed[:, :, :4, 4:8] += 5  # patch 1: visible
    assert not torch.allclose(encode_visible(vit, changed, mask),
                              encode_visible(vit, x, mask))


def test_sim_backbone_arrives_in_a_segmentor(tmp_path):
    model = _sim()
    path = str(tmp_path / 'sim.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    segmentor = MODELS.build(dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor'),
        backbone=dict(BACKBONE, type='mmpretrain.VisionTransformer',
                      out_type='featmap',
                      init_cfg=dict(type='Pretrained', checkpoint=path,
                                    prefix='backbone.')),
        decode_head=dict(type='FCNHead', in_channels=DIMS, channels=8,
                         num_convs=1, num_classes=3)))
    segmentor.init_weights()
    for key, value in segmentor.backbone.state_dict().items():
        assert torch.equal(value, model.backbone.state_dict()[key]), key


@pytest.mark.parametrize('inputs,samples,match', [
    ('views', 'none', 'crop box and flip of both views'),
    ('views', 'three', 'SIM takes 2 views'),
    ('one view', 'ok', 'list of 2 views'),
    ('odd size', 'ok', '18x16 view is not a whole number of 4x4 patches'),
    ('unequal', 'ok', 'the views differ in shape'),
])
def test_bad_input_is_a_clear_error(inputs, samples, match):
    three = _samples()
    for s in three:
        s.set_metainfo(dict(crop_boxes=[[0., 0., 8., 8.]] * 3,
                            flips=[False] * 3))
    inputs = {'views': _views(), 'one view': _views()[:1],
              'odd size': [torch.zeros(4, 3, 18, 16)] * 2,
              'unequal': [torch.zeros(4, 3, 16, 16),
                          torch.zeros(4, 3, 16, 20)]}[inputs]
    samples = {'none': [DataSample() for _ in range(4)], 'three': three,
               'ok': _samples()}[samples]
    with pytest.raises(ValueError, match=match):
        _sim().loss(inputs, samples)


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(ValueError, match='momentum must be in'):
        _sim(momentum=0.)
    with pytest.raises(ValueError, match='ratio'):
        _sim(masking=dict(type='FixedCountBlockMasking', ratio=1.))
