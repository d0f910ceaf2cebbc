# GMML / SiT on a CPU (Atito et al., arXiv:2104.03602; arXiv:2205.14986):
# the encoder of configs/_base_/models/vit-tiny6-p8_uperhead.py (DeiT-Tiny
# widths, 6 blocks, 8x8 patches) pretrained on the 367 CamVid train images
# (labels unused), two 96x96 views per image (crop, flip, colour jitter,
# grey, blur, solarisation), batch 8, 2000 iterations. Noise-replace
# corruption (up to 70% noise, 30% replace, unaligned blocks of 5-25% of the
# side), L1 reconstruction of the corrupted pixels with the public code's
# head (3 x Linear(192) + GELU), contrastive token against a momentum teacher
# (the public code's MoCo-v3 form, tau 0.996 -> 1), projection 2 x 1024 ->
# 256 (the paper's 4096 cut for the CPU), alpha = 5 (small data). The
# fine-tuning configs in benchmarks/ take its backbone as a pretraining
# stage. Cost and results not measured yet.
_base_ = [
    '../_base_/models/vit-tiny6-p8_uperhead.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adamw_gmml_2000i.py'
]
data_root = 'data/camvid'
view_size = 96
patch_size = 8
model = dict(
    _delete_=True,
    type='GMML',
    data_preprocessor=dict(
        type='mmpretrain.SelfSupDataPreprocessor',
        mean={{_base_.data_preprocessor.mean}},
        std={{_base_.data_preprocessor.std}},
        to_rgb=True),
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch={{_base_.vit_arch}},
        img_size=view_size,
        patch_size=patch_size,
        out_type='raw',
        drop_path_rate=0.1),
    head=dict(
        type='GMMLReconstructionHead',
        in_channels=192,
        patch_size=patch_size,
        hidden_channels=192,
        num_fcs=3),
    contrastive_head=dict(
        type='GMMLContrastiveHead',
        in_channels=192,
        hidden_channels=1024,
        out_channels=256,
        loss=dict(type='NTXentLoss', temperature=0.2, form='moco')),
    corruption=dict(
        type='GMMLCorruption',
        types='noise-replace',
        ratio=0.7,
        replace_ratio=0.3,
        patch_size=patch_size),
    alpha=5.,
    momentum=0.996)


def view(blur_prob, solarize_prob):
    return [
        dict(
            type='mmpretrain.RandomResizedCrop',
            scale=view_size,
            crop_ratio_range=(0.2, 1.),
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
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CamVidDataset',
        data_root=data_root,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=500))
# original | corrupted | reconstructed grids of the first view of 4 images
custom_hooks = [dict(type='GMMLVisualizationHook', interval=100)]
