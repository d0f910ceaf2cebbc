"""The one shape of pretraining algorithms: slots, freezing, numerics."""
import zlib

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

from mmssl_seg.models.algorithms import BaseSegPretrainer
from mmssl_seg.registry import MODELS
from tests.tiny_denoising import BACKBONE, HEAD, PREPROCESSOR

SEP_ASPP = dict(
    type='DeepLabV3PlusHead', in_channels=64, in_index=3, channels=16,
    dilations=(1, 2), c1_in_channels=8, c1_channels=8, dropout_ratio=0.0,
    num_classes=4, align_corners=False,
    loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False))


def _fill(model):
    """Weights set from their names alone, so any implementation with the
    same parameters gets the same values."""
    for name, tensor in model.state_dict().items():
        if not tensor.is_floating_point():
            continue
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        value = torch.rand(tensor.shape, generator=gen, dtype=torch.float64)
        value = value + 0.5 if name.endswith('running_var') else \
            (value - 0.5) * 0.4
        tensor.copy_(value.to(tensor.dtype))


def _inputs():
    gen = torch.Generator().manual_seed(123)
    x = torch.randn(2, 3, 32, 32, generator=gen)
    labels = torch.randint(0, 4, (2, 32, 32), generator=gen)
    labels[0, :4] = 255
    samples = []
    for i in range(2):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=labels[i:i + 1])
        samples.append(sample)
    return x, samples


# The losses of the implementations before both methods moved onto
# BaseSegPretrainer (commit 55e2056: DenoisingPretrainer with out_conv,
# PixelContrastPretrainer as an EncoderDecoder), computed by the same recipe
# with the old parameter names mapped to the new ones (out_conv -> head.conv,
# projection_head.convs -> head.projector.convs).
DDEP_BEFORE = {
    (True, 'noise'): 1.0204147100448608,
    (True, 'image'): 1.0188709497451782,
    (False, 'noise'): 1.0204325914382935,
    (False, 'image'): 1.0186868906021118,
}
CONTRAST_BEFORE = {
    ('single', False): dict(loss_pixel_contrast=4.075234413146973),
    ('single', True): {'decode.acc_seg': 26.19791603088379,
                       'decode.loss_ce': 1.2992792129516602,
                       'loss_pixel_contrast': 4.075234413146973},
    ('batch', False): dict(loss_pixel_contrast=4.595120429992676),
    ('batch', True): {'decode.acc_seg': 26.19791603088379,
                      'decode.loss_ce': 1.2992792129516602,
                      'loss_pixel_contrast': 4.595120429992676},
}


@pytest.mark.parametrize('frozen,target', list(DDEP_BEFORE))
def test_ddep_loss_equals_the_implementation_before_the_move(frozen, target):
    model = MODELS.build(dict(
        type='DenoisingPretrainer', backbone=BACKBONE, decode_head=HEAD,
        data_preprocessor=PREPROCESSOR, target=target,
        frozen_slots=('backbone', ) if frozen else ()))
    _fill(model)
    model.train()
    torch.manual_seed(7)
    loss = model.loss(_inputs()[0])['loss_denoise'].item()
    assert loss == pytest.approx(DDEP_BEFORE[frozen, target], rel=1e-6)


@pytest.mark.parametrize('mode,with_ce', list(CONTRAST_BEFORE))
def test_pixel_contrast_loss_equals_the_implementation_before_the_move(
        mode, with_ce):
    model = MODELS.build(dict(
        type='PixelContrastPretrainer', backbone=BACKBONE,
        decode_head=SEP_ASPP, data_preprocessor=PREPROCESSOR,
        with_ce=with_ce,
        head=dict(type='PixelContrastHead', channels=32, num_convs=3,
                  loss=dict(type='PixelContrastLoss', temperature=0.07,
                            mode=mode, feat_size=(8, 8), max_pixels=100))))
    _fill(model)
    model.train()
    torch.manual_seed(7)
    losses = {k: v.item() for k, v in model.loss(*_inputs()).items()}
    assert losses == pytest.approx(CONTRAST_BEFORE[mode, with_ce], rel=1e-6)


class Reconstruct(BaseSegPretrainer):
    """A minimal method: the decoder's features reconstruct the image."""

    def loss(self, inputs, data_samples=None):
        feats = self.decoder_features(self.extract_feat(inputs))
        return dict(loss=self.head.loss(feats, inputs))


def _reconstruct(**kwargs):
    return Reconstruct(
        backbone=BACKBONE, decode_head=HEAD, head=dict(type='DenoisingHead'),
        data_preprocessor=PREPROCESSOR, **kwargs)


def test_slots_are_named_after_the_segmentor():
    model = _reconstruct()
    segmentor = MODELS.build(dict(
        type='EncoderDecoder', backbone=BACKBONE, decode_head=HEAD,
        data_preprocessor=PREPROCESSOR))
    assert set(model.backbone.state_dict()) == \
        set(segmentor.backbone.state_dict())
    # the same decoder keys, but no untrained classifier
    mine = set(model.decode_head.state_dict())
    theirs = set(segmentor.decode_head.state_dict())
    assert theirs - mine == {'conv_seg.weight', 'conv_seg.bias'}
    assert mine <= theirs
    # the head's input width defaults to the decoder's
    assert model.head.conv.in_channels == model.decode_head.channels
    assert _reconstruct(keep_classifier=True).decode_head.conv_seg.weight \
        is not None


@pytest.mark.parametrize(
    'frozen', [('backbone', ), ('backbone', 'decode_head'), ()])
def test_frozen_slots_get_no_gradient_and_keep_norm_statistics(frozen):
    model = _reconstruct(frozen_slots=frozen)
    model.train()
    stats = {slot: [m.running_mean.clone() for m in getattr(
        model, slot).modules() if isinstance(m, nn.BatchNorm2d)]
        for slot in ('backbone', 'decode_head')}
    model.loss(torch.randn(2, 3, 32, 32))['loss'].backward()
    for slot in ('backbone', 'decode_head'):
        module = getattr(model, slot)
        is_frozen = slot in frozen
        assert all(not m.training for m in module.modules()) == is_frozen
        grads = [p.grad for p in module.parameters()]
        assert all(g is None for g in grads) == is_frozen
        assert all(not p.requires_grad for p in module.parameters()) == \
            is_frozen
        now = [m.running_mean for m in module.modules()
               if isinstance(m, nn.BatchNorm2d)]
        same = all(torch.equal(a, b) for a, b in zip(stats[slot], now))
        assert same == is_frozen, slot
    assert model.head.conv.weight.grad is not None


def test_unknown_frozen_slot_is_an_error():
    with pytest.raises(ValueError, match="'neck'.*slots are"):
        _reconstruct(frozen_slots=('neck', ))


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="got 'seg'"):
        _reconstruct()(torch.randn(1, 3, 32, 32), mode='seg')
    with pytest.raises(NotImplementedError, match='no predict mode'):
        _reconstruct()(torch.randn(1, 3, 32, 32), mode='predict')
