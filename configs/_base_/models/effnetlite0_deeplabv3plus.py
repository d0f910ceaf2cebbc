# CPU-sized DeepLabv3+: ImageNet EfficientNet-Lite0 with mmseg's
# DepthwiseSeparableASPPHead. ASPP runs on the 1/32 feature (320 channels;
# 6x8 for a 176x240 crop, hence small dilations), the 1/4 feature (24
# channels) is the low-level skip; the pre-classifier features are 64 channels
# at 1/4 resolution.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    # the shipped weights' normalisation (EFFNET_LITE_NORM)
    mean=[127.0, 127.0, 127.0],
    std=[128.0, 128.0, 128.0],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(1, 4),
        pretrained=True),
    decode_head=dict(
        type='DeepLabV3PlusHead',
        in_channels=320,
        in_index=1,
        channels=64,
        dilations=(1, 2, 3),
        c1_in_channels=24,
        c1_channels=16,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
