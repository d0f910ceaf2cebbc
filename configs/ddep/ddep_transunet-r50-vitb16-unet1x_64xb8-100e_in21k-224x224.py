# Paper-scale DDeP pretraining (METHODS.md 1), not run here: TransUNet
# R50+ViT-B/16 with the frozen supervised encoder and a 1x U-Net decoder,
# denoising ImageNet-21k images (labels unused) at 224x224, batch 512
# (64 GPUs x 8), Adam, cosine decay, lr 6e-5, 100 epochs.
_base_ = [
    '../_base_/models/ddep_transunet_r50-vitb16_unet.py',
    '../_base_/default_runtime.py'
]
crop_size = (224, 224)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=3, width_multiplier=1))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=crop_size[0]),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='mmpretrain.ImageNet21k',
        data_root='data/imagenet21k',
        split='train',
        # meta/train.txt lists image paths only (with_label=False)
        ann_file='meta/train.txt',
        with_label=False,
        lazy_init=True,
        pipeline=train_pipeline))
max_epochs = 100
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=6e-5, betas=(0.9, 0.999)))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_epochs,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=512)
log_processor = dict(by_epoch=True)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [dict(type='DenoisingVisualizationHook', interval=5000)]
