# Pascal Context 59 for DDeP fine-tuning (Brempong et al., arXiv:2205.11423): 512x512 crops (the
# base config uses 480) with random scale, crop and flip only, batch 2 per
# GPU (8 x 2; the batch size is this toolbox's choice, not the paper's).
_base_ = ['./pascal_context.py']
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='ValidateSegLabels', num_classes={{_base_.num_classes}}),
    dict(
        type='RandomResize',
        scale=(520, 520),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2, dataset=dict(dataset=dict(pipeline=train_pipeline)))
