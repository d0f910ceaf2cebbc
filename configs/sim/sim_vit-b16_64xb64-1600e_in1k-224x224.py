# SIM at paper scale (Tao et al., arXiv:2206.01204; the public code's
# recipe), not trained here: ViT-B/16 (mmpretrain's arch 'base': 768-d, 12
# blocks, 12 heads) at 224x224 on ImageNet-1k with a frozen patch embedding
# and fixed 2-D sin-cos position embedding (ViTSinCos); 118 of the 196
# patches of view a masked in blocks (BEiT); projector of 2 and predictor of
# 4 BatchNorm transformer blocks at width 768; UniGrad loss against the
# momentum branch (0.995 -> 1) on view b. Two views: crop (scale 0.08-1),
# flip, colour; batch 4096 (64 GPUs x 64), 1600 epochs
# (configs/_base_/schedules/adamw_sim_1600e.py). The loss defaults to the
# paper's global + dense UniGrad; the code's dense-only form is
# head.loss=dict(type='UniGradLoss', global_weight=0., center_dense=False).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/adamw_sim_1600e.py',
    '../_base_/datasets/ssl_view_colours.py'
]
view_size = 224
patch_size = 16
model = dict(
    type='SIM',
    data_preprocessor=dict(
        type='mmpretrain.SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ViTSinCos',
        arch='base',
        img_size=view_size,
        patch_size=patch_size,
        out_type='raw'),
    head=dict(
        type='SIMHead',
        in_channels=768,
        embed_dims=768,
        num_heads=16,
        projector_depth=2,
        predictor_depth=4,
        loss=dict(type='UniGradLoss')),
    masking=dict(type='FixedCountBlockMasking', ratio=118 / 196),
    momentum=0.995)


def view(colours):
    return [
        dict(
            type='RandomResizedCropWithBox',
            scale=view_size,
            crop_ratio_range=(0.08, 1.),
            backend='pillow'),
        dict(type='mmpretrain.RandomFlip', prob=0.5),
        dict(type='Compose', transforms=colours)
    ]


train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiViewWithGeometry',
        num_views=[1, 1],
        transforms=[
            view({{_base_.view1_colours}}),
            view({{_base_.view2_colours}})
        ]),
    dict(type='mmpretrain.PackInputs', meta_keys=('crop_boxes', 'flips'))
]
train_dataloader = dict(
    batch_size=64,
    num_workers=10,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='mmpretrain.ImageNet',
        data_root='data/imagenet',
        split='train',
        pipeline=train_pipeline))
default_hooks = dict(
    logger=dict(interval=100, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=50))
log_processor = dict(by_epoch=True)
