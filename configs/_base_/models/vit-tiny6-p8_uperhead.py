# A CPU-sized ViT for segmentation: DeiT-Tiny widths (192-d, 3 heads, MLP
# 768) with 6 of its 12 blocks and 8x8 patches, mmpretrain's
# VisionTransformer (type prefixed: mmseg has a class of the same name). The
# patch tokens of blocks 2, 3, 4 and 6 (stride 8) go through mmseg's
# MultiLevelNeck to strides 4, 8, 16 and 32, then into UPerHead. The stored
# position embedding is for a 176x240 input (22x30 patches); mmpretrain
# interpolates it for other sizes, and a checkpoint with another grid is
# resized on load. Trained from random init, or from GMML (configs/gmml).
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
        out_channels=192,
        scales=[2, 1, 0.5, 0.25]),
    decode_head=dict(
        type='UPerHead',
        in_channels=[192, 192, 192, 192],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=128,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
