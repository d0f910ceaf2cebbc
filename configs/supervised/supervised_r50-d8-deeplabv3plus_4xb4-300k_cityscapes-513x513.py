# Cross-entropy-only baseline at paper scale (Zhao et al., 2021): DeepLabv3+
# with an ImageNet ResNet-50 on Cityscapes (2975 train images), 513x513 crops
# with flip, scale and colour distortion, SGD lr 0.03, cosine decay, 300k
# steps (the paper's budget above 2500 labelled images; 50k below, e.g. for
# label fractions: override train_cfg.max_iters and param_scheduler). Batch
# 16 as 4 GPUs x 4 (the batch size is this toolbox's choice). Not trained
# here.
_base_ = [
    '../_base_/models/r50-d8_deeplabv3plus.py',
    '../_base_/datasets/cityscapes.py', '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_300k.py'
]
crop_size = (513, 513)
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
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=19))
optim_wrapper = dict(optimizer=dict(lr=0.03))
train_dataloader = dict(
    batch_size=4, dataset=dict(dataset=dict(pipeline=train_pipeline)))
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=10000))
