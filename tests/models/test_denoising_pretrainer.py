import copy

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmseg.structures import SegDataSample
from torch import nn

from mmssl_seg.models.algorithms.denoising_pretrainer import \
    DenoisingPretrainer
from mmssl_seg.registry import MODELS
from tests.tiny_denoising import (BACKBONE, HEAD, PREPROCESSOR,
                                  tiny_pretrainer)


def _model(**kwargs):
    model = tiny_pretrainer(**kwargs)
    assert isinstance(model, DenoisingPretrainer)
    model.init_weights()
    return model


def _batch(n=2, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return dict(
        inputs=[
            torch.randint(0, 256, (3, size, size), generator=g,
                          dtype=torch.uint8) for _ in range(n)
        ],
        data_samples=[SegDataSample() for _ in range(n)])


def _bn_stats(module):
    return [(m.running_mean.clone(), m.running_var.clone())
            for m in module.modules() if isinstance(m, nn.BatchNorm2d)]


def _train_step(model):
    """One mmengine training step; returns its log and the gradients."""
    model.loss(torch.randn(2, 3, 32, 32))['loss_denoise'].backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    model.zero_grad()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    return model.train_step(_batch(), wrapper), grads


@pytest.mark.parametrize('target', ['noise', 'image'])
def test_target_selection(target):
    model = _model(target=target).eval()
    x = torch.randn(2, 3, 32, 32)
    torch.manual_seed(1)
    loss = model.loss(x)['loss_denoise']
    torch.manual_seed(1)
    noisy, eps, gamma = model.noise(x)
    pred = model.predict_target(noisy, gamma)
    expected = eps if target == 'noise' else x
    other = x if target == 'noise' else eps
    assert loss.item() == pytest.approx(((pred - expected)**2).mean().item())
    assert loss.item() != pytest.approx(((pred - other)**2).mean().item())


def test_ddep_freezes_encoder_weights_and_bn_statistics():
    model = _model()  # frozen_slots=('backbone',) is the default
    model.train()
    assert not model.backbone.training
    assert all(not m.training for m in model.backbone.modules())
    assert model.decode_head.training
    weights = copy.deepcopy(model.backbone.state_dict())
    stats = _bn_stats(model.backbone)
    head_stats = _bn_stats(model.decode_head)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    log, grads = _train_step(model)
    assert log['loss_denoise'] > 0 and 'loss' in log
    for name, grad in grads.items():
        assert (grad is None) == name.startswith('backbone.'), name
    for (m0, v0), (m1, v1) in zip(stats, _bn_stats(model.backbone)):
        assert torch.equal(m0, m1) and torch.equal(v0, v1)
    for k, v in model.backbone.state_dict().items():
        assert torch.equal(v, weights[k]), k
    # the decoder does learn, BN statistics included
    assert not torch.equal(head_stats[0][0],
                           _bn_stats(model.decode_head)[0][0])


def test_dep_trains_the_encoder():
    model = _model(frozen_slots=())
    model.train()
    assert model.backbone.training
    stats = _bn_stats(model.backbone)
    weights = copy.deepcopy(model.backbone.state_dict())
    _, grads = _train_step(model)
    assert all(grad is not None for grad in grads.values())
    changed = [
        not torch.equal(m0, m1)
        for (m0, _), (m1, _) in zip(stats, _bn_stats(model.backbone))
    ]
    assert all(changed)
    assert not torch.equal(model.backbone.stem[0].weight,
                           weights['stem.0.weight'])


def test_checkpoint_transfers_into_encoder_decoder(tmp_path):
    pretrainer = _model()
    with torch.no_grad():  # make the decoder differ from any fresh init
        for p in pretrainer.decode_head.parameters():
            p.add_(torch.randn_like(p))
    path = tmp_path / 'ddep.pth'
    torch.save(dict(state_dict=pretrainer.state_dict()), path)
    # the untrained classifier is not part of the pretrainer
    assert not any(k.startswith('decode_head.conv_seg')
                   for k in pretrainer.state_dict())

    def finetune_model(**kwargs):
        cfg = dict(
            type='EncoderDecoder',
            data_preprocessor=PREPROCESSOR,
            backbone=BACKBONE,
            decode_head=dict(HEAD, num_classes=11))
        return MODELS.build(dict(cfg, **kwargs))

    # 1) the whole model's init_cfg fills the decoder slot
    model = finetune_model(init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='decode_head.',
        slot='decode_head'))
    model.init_weights()
    for k, v in pretrainer.decode_head.state_dict().items():
        assert torch.equal(model.decode_head.state_dict()[k], v), k
    assert model.decode_head.conv_seg.out_channels == 11
    # the K-class classifier keeps its initialisation (N(0, 0.01))
    assert 0 < model.decode_head.conv_seg.weight.std() < 0.02

    # 2) mmengine's form: the head's own init_cfg with a key prefix
    model = finetune_model(decode_head=dict(
        HEAD, num_classes=11, init_cfg=dict(
            type='Pretrained', checkpoint=str(path), prefix='decode_head.')))
    model.init_weights()
    for k, v in pretrainer.decode_head.state_dict().items():
        assert torch.equal(model.decode_head.state_dict()[k], v), k

    # the fine-tuning model runs
    logits = model.eval()(torch.randn(1, 3, 32, 32), mode='tensor')
    assert logits.shape == (1, 11, 32, 32)


def test_noise_conditioning_is_optional_film():
    plain = _model()
    assert plain.noise_film is None
    model = _model(noise_conditioning=True)
    assert [layer.out_features for layer in model.noise_film.layers] == \
        [16, 32, 64, 128]
    model.eval()
    noisy = torch.randn(2, 3, 32, 32)
    low, high = torch.full((2, ), 0.2), torch.full((2, ), 0.9)
    # zero-initialised: starts as the unconditioned model
    assert torch.allclose(
        model.predict_target(noisy, low), model.predict_target(noisy, high))
    with torch.no_grad():
        for layer in model.noise_film.layers:
            layer.weight.normal_()
    assert not torch.allclose(
        model.predict_target(noisy, low), model.predict_target(noisy, high))
    model.train()
    model.loss(noisy)['loss_denoise'].backward()
    assert all(p.grad is not None for p in model.noise_film.parameters())


def test_denoise_inverts_with_the_predicted_noise():
    model = _model().eval()
    x = torch.randn(2, 3, 32, 32)
    torch.manual_seed(3)
    _, eps, _ = model.noise(x)
    model.predict_target = lambda noisy, gamma: eps  # a perfect decoder
    torch.manual_seed(3)
    out = model.denoise(x)
    assert torch.equal(out['noise'], eps)
    assert torch.equal(out['pred_noise'], eps)
    assert torch.allclose(out['denoised'], x, atol=1e-5)


def test_denoise_with_image_target():
    model = _model(target='image').eval()
    x = torch.randn(2, 3, 32, 32)
    model.predict_target = lambda noisy, gamma: x  # a perfect decoder
    out = model.denoise(x)
    assert torch.equal(out['denoised'], x)
    assert torch.allclose(out['pred_noise'], out['noise'], atol=1e-4)


def test_modes_and_odd_sizes():
    model = _model().eval()
    x = torch.randn(2, 3, 33, 31)
    feats = model(x, mode='tensor')  # the encoder features
    assert [f.shape[1] for f in feats] == [8, 16, 32, 64]
    assert model(x, mode='loss')['loss_denoise'].ndim == 0
    samples = model(x, mode='predict')
    assert len(samples) == 2
    assert samples[0].denoised.data.shape == (3, 33, 31)
    assert samples[0].pred_noise.data.shape == (3, 33, 31)
    with pytest.raises(ValueError, match="got 'seg'"):
        model(x, mode='seg')


def test_image_target_size_mismatch_errors():
    # 3 blocks on a stride-32 encoder end at 1/4: too coarse for noise
    coarse = _model(decode_head=dict(
        HEAD, width_multiplier=1, block_widths=(16, 8, 8)))
    with pytest.raises(ValueError, match='8x8 for a 32x32 image'):
        coarse.loss(torch.randn(1, 3, 32, 32))
    wrong_channels = _model(head=dict(type='DenoisingHead', out_channels=5))
    with pytest.raises(ValueError, match='out_channels=3'):
        wrong_channels.loss(torch.randn(1, 3, 32, 32))
    model = _model()
    with pytest.raises(ValueError, match=r'got \(3, 32, 32\)'):
        model.loss(torch.randn(3, 32, 32))
    with pytest.raises(ValueError, match="got 'pixels'"):
        _model(target='pixels')


def test_tiny_transunet_with_unet_bottleneck_decoder():
    model = _model(
        backbone=dict(
            type='TransUNetEncoder',
            stem_channels=8,
            base_channels=4,
            stage_blocks=(1, 1, 1),
            norm_cfg=dict(type='GN', num_groups=2),
            img_size=32,
            embed_dims=16,
            num_layers=1,
            num_heads=2),
        decode_head=dict(
            HEAD,
            in_channels=[8, 16, 32, 16],
            bottleneck=True,
            width_multiplier=1 / 64))
    model.train()
    assert not model.backbone.vit.training  # dropout off in the frozen ViT
    x = torch.randn(2, 3, 32, 32)
    assert model.predict_target(x, torch.ones(2)).shape == (2, 3, 32, 32)
    model.loss(x)['loss_denoise'].backward()
    assert model.backbone.vit.pos_embed.grad is None
    assert model.decode_head.bottleneck.conv.weight.grad is not None
