"""A tiny ResNet-18 + U-Net denoising model shared by the DDeP unit tests."""
from mmssl_seg.registry import MODELS

BACKBONE = dict(
    type='ResNetV1c', depth=18, stem_channels=8, base_channels=8)
HEAD = dict(
    type='UNetHead',
    in_channels=[8, 16, 32, 64],
    in_index=[0, 1, 2, 3],
    width_multiplier=1 / 32,
    dropout_ratio=0,
    num_classes=3)
PREPROCESSOR = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    size=(32, 32))


def tiny_pretrainer(**kwargs):
    """A ``DenoisingPretrainer`` on 32x32 inputs; kwargs override its cfg."""
    cfg = dict(
        type='DenoisingPretrainer',
        backbone=BACKBONE,
        decode_head=HEAD,
        data_preprocessor=PREPROCESSOR)
    cfg.update(kwargs)
    return MODELS.build(cfg)
