# DDeP on a CPU: denoising pretraining of a 1/4-width U-Net decoder on the
# frozen ImageNet EfficientNet-Lite0, on all 367 CamVid train images (labels
# unused), 128x128 crops, batch 8, 400 iterations. Scaled noise, sigma = 0.22,
# noise target (Brempong et al., arXiv:2205.11423); Adam with cosine decay, lr
# 1e-3 (the paper's 6e-5 at batch 512 for 100 ImageNet-21k epochs, scaled up
# for 400 steps). The fine-tuning configs take its decode_head as a pretraining
# stage.
_base_ = [
    '../_base_/models/ddep_effnetlite0_unet.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adam_cosine_400i.py'
]
data_root = 'data/camvid'
crop_size = (128, 128)
model = dict(data_preprocessor=dict(size=crop_size))
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
