import pytest
import torch
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
