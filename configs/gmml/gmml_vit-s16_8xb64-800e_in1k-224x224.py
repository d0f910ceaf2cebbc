# SiT / GMML at paper scale (Atito et al., arXiv:2104.03602), not trained
# here: ViT-S/16 (mmpretrain's 'deit-small': 384-d, 12 blocks, 6 heads; its
# arch 'small' is another network) at 224x224 on ImageNet-1k, two views
# (crop, flip, colour jitter, grey, blur, solarisation), 64 images per GPU
# on 8 GPUs, 800 epochs of AdamW (configs/_base_/schedules/adamw_gmml_800e.py).
# The paper's heads: reconstruction by 2 x 2048 FC + GELU and a transposed
# conv, L1 on the corrupted pixels; contrastive token projected by 2 x 4096
# FC (BN, GELU) to 256-d, NT-Xent at temperature 0.2 against a momentum
# teacher (tau 0.996 -> 1). Noise-replace corruption (up to 70% noise, 30%
# replace, unaligned), alpha = 1 (ImageNet-1k).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/adamw_gmml_800e.py'
]
view_size = 224
model = dict(
    type='GMML',
    data_preprocessor=dict(
        type='mmpretrain.SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch='deit-small',
        img_size=view_size,
        patch_size=16,
        out_type='raw',
        drop_path_rate=0.1),
    head=dict(
        type='GMMLReconstructionHead',
        in_channels=384,
        patch_size=16,
        hidden_channels=2048,
        num_fcs=2),
    contrastive_head=dict(
        type='GMMLContrastiveHead',
        in_channels=384,
        hidden_channels=4096,
        out_channels=256,
        loss=dict(type='NTXentLoss', temperature=0.2, form='simclr')),
    corruption=dict(
        type='GMMLCorruption',
        types='noise-replace',
        ratio=0.7,
        replace_ratio=0.3,
        patch_size=16),
    alpha=1.,
    momentum=0.996)


def view(blur_prob, solarize_prob):
    return [
        dict(
            type='mmpretrain.RandomResizedCrop',
            scale=view_size,
            crop_ratio_range=(0.08, 1.),
            backend='pillow'),
        dict(type='mmpretrain.RandomFlip', prob=0.5),
        dict(
            type='mmpretrain.RandomApply',
            transforms=[
                dict(
                    type='mmssl_seg.SafeHueColorJitter',
                    brightness=0.4,
                    contrast=0.4,
                    saturation=0.2,
                    hue=0.1)
            ],
            prob=0.8),
        dict(
            type='mmpretrain.RandomGrayscale',
            prob=0.2,
            keep_channels=True,
            channel_weights=(0.114, 0.587, 0.2989)),
        dict(
            type='mmpretrain.GaussianBlur',
            magnitude_range=(0.1, 2.0),
            magnitude_std='inf',
            prob=blur_prob),
        dict(type='mmpretrain.Solarize', thr=128, prob=solarize_prob),
    ]


train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='mmpretrain.MultiView',
        num_views=[1, 1],
        transforms=[view(1.0, 0.0), view(0.1, 0.2)]),
    dict(type='mmpretrain.PackInputs')
]
train_dataloader = dict(
    batch_size=64,
    num_workers=8,
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
