# Cross-entropy-only baseline at paper scale (Zhao et al., 2021): DeepLabv3+
# with an ImageNet ResNet-50 on Pascal VOC 2012 (1464 train images), 513x513
# crops with flip, scale and colour distortion, SGD lr 0.03, cosine decay,
# 50k steps (the paper's budget for <= 2500 labelled images). Batch 16 as 4
# GPUs x 4 (the batch size is this toolbox's choice). Not trained here.
_base_ = [
    '../_base_/models/r50-d8_deeplabv3plus.py',
    '../_base_/datasets/pascal_voc12.py', '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_50k.py'
]
crop_size = (513, 513)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=21))
optim_wrapper = dict(optimizer=dict(lr=0.03))
train_dataloader = dict(
    batch_size=4, dataset=dict(dataset=dict(pipeline=train_pipeline)))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=5000))
