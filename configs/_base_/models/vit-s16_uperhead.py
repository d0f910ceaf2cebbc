# ViT-S/16 (Dosovitskiy et al., arXiv:2010.11929; mmpretrain's 'deit-small':
# 384-d, 12 blocks, 6 heads; its arch 'small' is another network) + UPerNet
# for 512x512 crops, laid out as BEiT (arXiv:2106.08254) and MAE fine-tune
# their ViTs on ADE20K: the tokens of blocks 4, 6, 8 and 12 (stride 16) go
# through mmseg's Feature2Pyramid (two 2x deconvs, one, none, a 2x2 max
# pool) to strides 4, 8, 16 and 32, then UPerHead, with an FCN auxiliary
# head on the stride-16 level (loss weight 0.4). UPerHead's 512 channels
# are mmseg's ViT-S/DeiT-S UPerNet value. Sliding-window inference, 512x512
# windows at stride 341. Datasets set num_classes.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(512, 512))
embed_dims = 384
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch='deit-small',
        img_size=512,
        patch_size=16,
        out_indices=(3, 5, 7, 11),
        out_type='featmap',
        drop_path_rate=0.1,
        final_norm=True),
    neck=dict(
        type='Feature2Pyramid',
        embed_dim=embed_dims,
        rescales=[4, 2, 1, 0.5],
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='UPerHead',
        in_channels=[embed_dims] * 4,
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=512,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=embed_dims,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(341, 341)))
