# Paper-scale DDeP fine-tuning on ADE20K (Brempong et al., arXiv:2205.11423), not run here: the 3x
# decoder from the ImageNet-21k DDeP checkpoint, 512x512 crops with random
# scale and flip, batch 8 x 2 (this toolbox's choice, not the paper's); multi-scale
# (0.5 ... 1.75) + flip inference with `tools/test.py --tta`.
_base_ = [
    '../../_base_/models/transunet_r50-vitb16_unet.py',
    '../../_base_/datasets/ade20k.py', '../../_base_/default_runtime.py',
    '../../_base_/schedules/adam_cosine_160k.py'
]
pretrain_stages = [
    dict(
        name='ddep',
        config='configs/ddep/'
        'ddep_transunet-r50-vitb16-unet3x_64xb8-100e_in21k-224x224.py')
]
slots = dict(decode_head='ddep')
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(img_size=crop_size),
    decode_head=dict(num_classes=150, width_multiplier=3))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(
        type='RandomResize',
        scale=(2048, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2, dataset=dict(dataset=dict(pipeline=train_pipeline)))
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=16000))
