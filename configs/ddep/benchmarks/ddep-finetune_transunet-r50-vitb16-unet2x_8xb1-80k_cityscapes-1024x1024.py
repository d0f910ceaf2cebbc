# Paper-scale DDeP fine-tuning on Cityscapes (Brempong et al., arXiv:2205.11423), not run here:
# TransUNet R50+ViT-B/16 with the 2x U-Net decoder, started from the
# ImageNet-21k DDeP checkpoint; cross-entropy, Adam, cosine decay, 1024x1024
# crops with random scale and flip; batch 8 x 1 (this toolbox's choice, not the paper's).
# Inference: "half-image" slide windows of 1024x1024 with stride 1024 (the
# two halves of a 1024x2048 image) and, with `tools/test.py --tta`, flip.
_base_ = [
    '../../_base_/models/transunet_r50-vitb16_unet.py',
    '../../_base_/datasets/cityscapes.py', '../../_base_/default_runtime.py',
    '../../_base_/schedules/adam_cosine_80k.py'
]
pretrain_stages = [
    dict(
        name='ddep',
        config='configs/ddep/'
        'ddep_transunet-r50-vitb16-unet2x_64xb8-100e_in21k-224x224.py')
]
slots = dict(decode_head='ddep')
crop_size = (1024, 1024)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(img_size=crop_size),
    decode_head=dict(num_classes=19, width_multiplier=2),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(1024, 1024)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 1024),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
# flip only, at the full 1024x2048 scale (no multi-scale on Cityscapes)
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale=(2048, 1024), keep_ratio=True)],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadAnnotations')],
            [dict(type='PackSegInputs')],
        ])
]
train_dataloader = dict(
    batch_size=1, dataset=dict(dataset=dict(pipeline=train_pipeline)))
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=8000))
