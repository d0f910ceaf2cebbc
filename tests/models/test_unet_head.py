import pytest
import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule

from mmssl_seg.models.decode_heads.unet_head import UNetHead
from mmssl_seg.registry import MODELS

# a ResNet-like encoder: features at strides 4, 8, 16, 32
RESNET = dict(in_channels=[8, 16, 32, 64], in_index=[0, 1, 2, 3])


def _feats(channels, strides, size, n=2):
    return [
        torch.randn(n, c, -(-size[0] // s), -(-size[1] // s))
        for c, s in zip(channels, strides)
    ]


def _convs(head):
    return [[m for m in block if isinstance(m, ConvModule)]
            for block in head.blocks]


@pytest.mark.parametrize('multiplier', [1, 1 / 2, 1 / 8])
def test_paper_widths_times_multiplier(multiplier):
    head = UNetHead(width_multiplier=multiplier, num_classes=3, **RESNET)
    widths = [round(w * multiplier) for w in (1024, 512, 256, 128, 64)]
    assert head.block_widths == widths
    skips = [32, 16, 8, 0, 0]  # deep to shallow, then no skip
    in_ch = 64
    for convs, width, skip in zip(_convs(head), widths, skips):
        assert len(convs) == 2
        assert convs[0].conv.in_channels == in_ch + skip
        assert convs[0].conv.out_channels == width
        assert convs[1].conv.in_channels == width
        assert convs[1].conv.out_channels == width
        assert convs[0].conv.kernel_size == (3, 3)
        assert convs[0].with_norm and convs[0].activate is not None
        in_ch = width
    assert head.channels == widths[-1]
    assert head.conv_seg.in_channels == widths[-1]
    assert head.conv_seg.out_channels == 3


@pytest.mark.parametrize('multiplier', [2, 3])
def test_wide_multipliers(multiplier):
    # small 1x widths so 2x and 3x stay cheap
    head = UNetHead(
        block_widths=(16, 8, 4, 2, 1),
        width_multiplier=multiplier,
        num_classes=3,
        **RESNET)
    assert head.block_widths == [w * multiplier for w in (16, 8, 4, 2, 1)]
    assert [c[1].conv.out_channels for c in _convs(head)] == \
        head.block_widths


def test_output_at_input_resolution_for_stride32_encoder():
    head = UNetHead(width_multiplier=1 / 32, num_classes=3, **RESNET)
    out = head(_feats([8, 16, 32, 64], [4, 8, 16, 32], (64, 96)))
    assert out.shape == (2, 3, 64, 96)


def test_stride2_skips_efficientnet_layout():
    head = UNetHead(
        in_channels=[16, 24, 40, 112, 320],
        in_index=[0, 1, 2, 3, 4],
        width_multiplier=1 / 16,
        num_classes=3)
    convs = _convs(head)
    assert [c[0].conv.in_channels for c in convs] == \
        [320 + 112, 64 + 40, 32 + 24, 16 + 16, 8]
    out = head(_feats([16, 24, 40, 112, 320], [2, 4, 8, 16, 32], (64, 64)))
    assert out.shape == (2, 3, 64, 64)


def test_odd_sizes_follow_the_skips():
    head = UNetHead(width_multiplier=1 / 32, num_classes=3, **RESNET)
    feats = [torch.randn(1, c, s, s) for c, s in zip([8, 16, 32, 64],
                                                     [9, 5, 3, 2])]
    out = head(feats)
    # blocks upsample to 3, 5, 9, then x2 twice
    assert out.shape == (1, 3, 36, 36)


def test_skips_reach_the_output():
    head = UNetHead(width_multiplier=1 / 32, num_classes=3, **RESNET).eval()
    feats = _feats([8, 16, 32, 64], [4, 8, 16, 32], (32, 32))
    base = head(feats)
    for i in range(4):
        changed = list(feats)
        changed[i] = changed[i] + 1
        assert not torch.allclose(head(changed), base), i


def test_bottleneck_layout_for_stride16_encoder():
    # TransUNet hybrid: skips at 1/2, 1/4, 1/8, ViT map at 1/16
    head = UNetHead(
        in_channels=[8, 16, 32, 24],
        in_index=[0, 1, 2, 3],
        bottleneck=True,
        width_multiplier=1 / 16,
        num_classes=3)
    assert head.bottleneck.conv.in_channels == 24
    assert head.bottleneck.conv.out_channels == 64
    assert len(head.blocks) == 4
    out = head(_feats([8, 16, 32, 24], [2, 4, 8, 16], (64, 64)))
    assert out.shape == (2, 3, 64, 64)


def test_registered_and_trains():
    head = MODELS.build(
        dict(
            type='UNetHead',
            width_multiplier=1 / 32,
            num_classes=3,
            norm_cfg=dict(type='GN', num_groups=1),
            **RESNET))
    assert isinstance(head, UNetHead)
    assert isinstance(head.blocks[0][0].norm, torch.nn.GroupNorm)
    out = head(_feats([8, 16, 32, 64], [4, 8, 16, 32], (32, 32)))
    out.mean().backward()
    assert all(p.grad is not None for p in head.parameters())


@pytest.mark.parametrize('kwargs, match', [
    (dict(channels=64), 'do not pass channels=64'),
    (dict(width_multiplier=0), 'width_multiplier must be > 0, got 0'),
    (dict(block_widths=(64, 0)), r'block_widths must be positive'),
    (dict(block_widths=(64, 32)), '3 skip features'),
    (dict(block_widths=(64, 32, 16), bottleneck=True), '3 skip features'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UNetHead(num_classes=3, **RESNET, **kwargs)


def test_needs_multiple_select():
    with pytest.raises(ValueError, match='multiple_select'):
        UNetHead(
            in_channels=[8, 16],
            in_index=[0, 1],
            input_transform='resize_concat',
            num_classes=3)


def test_skip_norm_normalises_every_skip_before_the_concatenation():
    efficientnet = dict(in_channels=[16, 24, 40, 112, 320],
                        in_index=[0, 1, 2, 3, 4], width_multiplier=1 / 16,
                        num_classes=3)
    plain = UNetHead(**efficientnet)
    head = UNetHead(skip_norm=True, **efficientnet).train()
    assert plain.skip_norms is None
    # one 1x1 conv-BN-ReLU per skip, deep to shallow, widths kept
    assert [(m.conv.in_channels, m.conv.out_channels, m.conv.kernel_size)
            for m in head.skip_norms] == [
                (c, c, (1, 1)) for c in (112, 40, 24, 16)]
    assert [c[0].conv.in_channels for c in _convs(head)] == \
        [c[0].conv.in_channels for c in _convs(plain)]
    # skips at an RMS of ~8 (a linear BN output) enter at the decoder's scale
    feats = [f * 8 for f in _feats([16, 24, 40, 112, 320],
                                   [2, 4, 8, 16, 32], (64, 64))]
    seen = []
    for m in head.skip_norms:
        m.register_forward_hook(lambda mod, inp, out: seen.append(out))
    out = head(feats)
    assert out.shape == (2, 3, 64, 64)  # denoising: the image resolution
    for normed in seen:
        assert normed.min() >= 0  # after the ReLU
        assert 0.2 < normed.pow(2).mean().sqrt() < 1.2


def test_fused_classifier_input_reaches_every_block_at_full_resolution():
    head = UNetHead(width_multiplier=1 / 32, num_classes=3, fuse_channels=6,
                    **RESNET).eval()
    assert head.channels == 6 and head.conv_seg.in_channels == 6
    assert [m.conv.in_channels for m in head.fuse_projs] == [32, 16, 8, 4, 2]
    feats = _feats([8, 16, 32, 64], [4, 8, 16, 32], (64, 96))
    with torch.no_grad():
        fused = head.forward_features(feats)
        assert fused.shape == (2, 6, 64, 96)
        assert head(feats).shape == (2, 3, 64, 96)
        # the deepest block's projection reaches the classifier directly
        head.fuse_projs[0].conv.weight.zero_()
        head.fuse_projs[0].bn.bias.fill_(1.)
        assert not torch.allclose(head.forward_features(feats), fused)
    with pytest.raises(ValueError, match='do not pass channels=8'):
        UNetHead(channels=8, num_classes=3, **RESNET)


def test_fused_sum_is_the_top_down_pathway():
    """s_0 = P_0(x_0), s_i = P_i(x_i) + up(s_{i-1}), from the block outputs."""
    head = UNetHead(width_multiplier=1 / 32, num_classes=3, fuse_channels=5,
                    **RESNET).eval()
    outs = []
    for block in head.blocks:
        block.register_forward_hook(lambda mod, inp, out: outs.append(out))
    feats = _feats([8, 16, 32, 64], [4, 8, 16, 32], (48, 80))
    with torch.no_grad():
        fused = head.forward_features(feats)
        expected = head.fuse_projs[0](outs[0])
        for proj, out in zip(head.fuse_projs[1:], outs[1:]):
            expected = proj(out) + F.interpolate(
                expected, size=out.shape[2:], mode='bilinear',
                align_corners=False)
    assert [o.shape[2:] for o in outs] == [
        (3, 5), (6, 10), (12, 20), (24, 40), (48, 80)]
    torch.testing.assert_close(fused, expected)


def test_fused_decoder_still_denoises_at_the_image_resolution():
    from tests.tiny_denoising import HEAD, tiny_pretrainer
    model = tiny_pretrainer(decode_head=dict(HEAD, fuse_channels=4))
    x = torch.randn(2, 3, 32, 32)
    assert model.predict_target(x, torch.ones(2)).shape == (2, 3, 32, 32)
    assert model.head.conv.in_channels == 4
    model.loss(x)['loss_denoise'].backward()
    assert all(p.grad is not None for p in model.decode_head.parameters())
