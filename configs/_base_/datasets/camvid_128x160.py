# CamVid as camvid.py, trained on 128x160 crops: the study recipe on 2 cores
# (a U-Net step takes 0.66 s instead of 1.54 s at 176x240; see
# docs/study_protocol.md, "Compute"). Val and test are unchanged.
_base_ = './camvid.py'
crop_size = (128, 160)  # (h, w)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='ValidateSegLabels', num_classes={{_base_.num_classes}}),
    dict(
        type='RandomResize',
        scale={{_base_.test_scale}},
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
