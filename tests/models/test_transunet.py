import pytest
import torch
from mmcv.cnn.bricks import ConvWS2d
from mmpretrain.models import VisionTransformer
from mmseg.models.backbones.resnet import Bottleneck
from torch import nn

from mmssl_seg.models.backbones.transunet_encoder import TransUNetEncoder
from mmssl_seg.models.decode_heads import UNetHead
from mmssl_seg.registry import MODELS

TINY = dict(
    stem_channels=8,
    base_channels=4,
    stage_blocks=(1, 1, 1),
    norm_cfg=dict(type='GN', num_groups=2),
    img_size=64,
    embed_dims=32,
    num_layers=2,
    num_heads=4)


def test_tiny_encoder_feature_pyramid():
    enc = MODELS.build(dict(type='TransUNetEncoder', **TINY))
    enc.init_weights()
    feats = enc(torch.randn(2, 3, 64, 64))
    assert [tuple(f.shape) for f in feats] == [(2, 8, 32, 32),
                                               (2, 16, 16, 16),
                                               (2, 32, 8, 8), (2, 32, 4, 4)]


def test_other_input_sizes_interpolate_position_embeddings():
    enc = TransUNetEncoder(**TINY).eval()
    assert enc.vit.pos_embed.shape == (1, 16, 32)  # 4x4 grid, no cls token
    feats = enc(torch.randn(1, 3, 96, 64))
    assert feats[-1].shape == (1, 32, 6, 4)


def test_default_architecture_is_r50_stages_3_4_9_with_stdconv_gn():
    # default stages and norms with half widths so the test stays cheap
    enc = TransUNetEncoder(
        stem_channels=32, base_channels=32, embed_dims=32, num_heads=4)
    assert [len(s) for s in enc.stages] == [3, 4, 9]
    assert all(isinstance(b, Bottleneck) for s in enc.stages for b in s)
    convs = [m for m in enc.stem.modules() if isinstance(m, nn.Conv2d)]
    convs += [m for m in enc.stages.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(isinstance(c, ConvWS2d) for c in convs)
    norms = [m for m in enc.stages.modules() if isinstance(m, nn.GroupNorm)]
    assert norms and all(n.num_groups == 32 for n in norms)
    assert not any(
        isinstance(m, nn.modules.batchnorm._BatchNorm) for m in enc.modules())
    assert isinstance(enc.vit, VisionTransformer)
    assert len(enc.vit.layers) == 12
    assert enc.vit.cls_token is None
    # the third stage (16 * base channels) feeds a 1x1 patch embedding
    proj = enc.vit.patch_embed.projection
    assert proj.in_channels == 16 * 32 and proj.kernel_size == (1, 1)
    assert enc.stem[0].kernel_size == (7, 7) and enc.stem[0].stride == (2, 2)


def test_weights_are_standardised():
    conv = TransUNetEncoder(**TINY).stem[0]
    x = torch.randn(1, 3, 16, 16)
    w = conv.weight
    flat = w.flatten(1)
    std_w = (w - flat.mean(1).view(-1, 1, 1, 1)) / \
        (flat.std(1).view(-1, 1, 1, 1) + 1e-5)
    ref = nn.functional.conv2d(x, std_w, None, 2, 3)
    assert torch.allclose(conv(x), ref, atol=1e-5)


def test_out_indices():
    enc = TransUNetEncoder(out_indices=(1, 3), **TINY)
    feats = enc(torch.randn(1, 3, 64, 64))
    assert [f.shape[1] for f in feats] == [16, 32]


@pytest.mark.parametrize('kwargs, match', [
    (dict(stage_blocks=(3, 4, 6, 3)), r'got stage_blocks=\(3, 4, 6, 3\)'),
    (dict(out_indices=(0, 4)), r'got \(0, 4\)'),
])
def test_bad_arguments(kwargs, match):
    args = dict(TINY, **kwargs)
    with pytest.raises(ValueError, match=match):
        TransUNetEncoder(**args)


def test_encoder_and_unet_decoder_segment_at_input_resolution():
    # the decoder of configs/_base_/models/transunet_r50-vitb16_unet.py:
    # a 3x3 conv at 1/16 ("conv_more"), then blocks up to 1/8, 1/4, 1/2, 1/1
    enc = TransUNetEncoder(**TINY)
    head = UNetHead(
        block_widths=(32, 16, 8, 8, 4),
        bottleneck=True,
        in_channels=[8, 16, 32, 32],
        in_index=[0, 1, 2, 3],
        num_classes=5)
    out = head(enc(torch.randn(2, 3, 64, 64)))
    assert out.shape == (2, 5, 64, 64)
    out.mean().backward()
    assert enc.vit.pos_embed.grad is not None
    assert enc.stem[0].weight.grad is not None
