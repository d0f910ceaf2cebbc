# CamVid, SegNet's 11-class version (360x480). Get it with `make data` or
# docs/get_started.md. CPU-sized: images are used at half resolution.
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
num_classes = 11
test_scale = (240, 180)  # (w, h): half of 480x360
# multi-scale + flip for `tools/test.py --tta`, scales relative to test_scale
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
crop_size = (176, 240)  # (h, w)
# median-frequency class weights of the train labels (SegNet's CamVid
# recipe; tools/analysis_tools/class_weights.py), for
# ClassWeightedCrossEntropyLoss
class_weight = [
    0.28, 0.20, 4.79, 0.15, 1.00, 0.42, 3.85, 1.98, 0.79, 6.38, 8.82
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='ValidateSegLabels', num_classes=num_classes),
    dict(
        type='RandomResize',
        scale=test_scale,
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=test_scale, keep_ratio=True),
    # labels are loaded after Resize: metrics are computed at full resolution
    dict(type='LoadAnnotations'),
    dict(type='ValidateSegLabels', num_classes=num_classes),
    dict(type='PackSegInputs')
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(
                    type='Resize',
                    scale=(int(test_scale[0] * r), int(test_scale[1] * r)),
                    keep_ratio=True) for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadAnnotations')],
            [dict(type='ValidateSegLabels', num_classes=num_classes)],
            [dict(type='PackSegInputs')],
        ])
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        # The labelled part of train; `fraction=1.0` uses every label. A
        # split takes each video sequence (the file name's prefix) in
        # proportion and its frames evenly spaced in time, the seed moving
        # the phase: uniform draws of 18 frames (5%) took 7 to 13 from the
        # val sequence and left the U-Net's 5% mIoU 1.92 std over seeds,
        # spread ones 0.81 at lr 1e-3. Of 16 such draws the seed keeps the
        # one whose class balance is closest to all of train's: seed 0's
        # first 10% draw had half of fence's share, and fence failed in two
        # trainings on it (docs/study_protocol.md).
        type='LabelFractionDataset',
        fraction=1.0,
        seed=0,
        class_matched_draws=16,
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=train_pipeline),
        spread_by='^[^_]+'))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
