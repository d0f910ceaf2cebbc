# DDeP on the CPU ViT: denoising pretraining of the MultiLevelNeck and the
# 1/4-width U-Net decoder of vit-tiny6-p8_unet.py on a frozen encoder, on
# all 367 CamVid train images (labels unused), 128x128 crops, batch 8, 400
# iterations; the recipe of configs/ddep/ddep_effnetlite0-unet0.25x_*.py
# (Brempong et al., arXiv:2205.11423). The encoder should be a pretrained
# one: as the second stage of configs/chains/gmml-ddep-finetune_*.py it is
# GMML's (the stage's slots); alone, give it by hand, e.g.
# model.backbone.init_cfg=dict(type='Pretrained', checkpoint=..., prefix=
# 'backbone.'). Random frozen weights make a meaningless pretraining.
_base_ = [
    '../_base_/models/vit-tiny6-p8_unet_ddep.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adam_cosine_400i.py'
]
data_root = 'data/camvid'
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(img_size=crop_size))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(240, 180),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CamVidDataset',
        data_root=data_root,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
custom_hooks = [dict(type='DenoisingVisualizationHook', interval=100)]
