# The CPU ViT of vit-tiny6-p8_uperhead.py (DeiT-Tiny widths, 6 blocks, 8x8
# patches, mmpretrain's VisionTransformer) under DDeP's U-Net decoder. The
# patch tokens of blocks 2, 3, 4 and 6 (stride 8) go through mmseg's
# MultiLevelNeck (1x1 conv, bilinear resize, 3x3 conv, 64 channels) to
# strides 2, 4, 8 and 16; the decoder's 1x widths [1024, 512, 256, 128, 64]
# are scaled by 1/4: a conv at 1/16 (bottleneck, as for TransUNet's 1/16
# encoder), then blocks up to 1/8, 1/4, 1/2 (with the skips) and 1/1, so the
# output has the input resolution, as denoising needs. The classifier reads
# every block through a 32-channel top-down sum (fuse_channels), as in
# effnetlite0_unet.py. The neck and decoder are pretrained together by DDeP
# (vit-tiny6-p8_unet_ddep.py).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
vit_arch = dict(
    embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768)
neck_channels = 64
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch=vit_arch,
        img_size=(176, 240),
        patch_size=8,
        out_indices=(1, 2, 3, 5),
        out_type='featmap',
        drop_path_rate=0.1,
        final_norm=True),
    neck=dict(
        type='MultiLevelNeck',
        in_channels=[192, 192, 192, 192],
        out_channels=neck_channels,
        scales=[4, 2, 1, 0.5]),
    decode_head=dict(
        type='UNetHead',
        in_channels=[neck_channels] * 4,
        in_index=[0, 1, 2, 3],
        block_widths=[1024, 512, 256, 128, 64],
        width_multiplier=1 / 4,
        bottleneck=True,
        fuse_channels=32,
        dropout_ratio=0.,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
