# ImageNet-21k images without labels for denoising pretraining (Brempong et al., arXiv:2205.11423):
# mmpretrain's ImageNet21k with with_label=False, built lazily; meta/train.txt
# lists image paths only. Random resized 224x224 crops and flips.
crop_size = (224, 224)
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
        ann_file='meta/train.txt',
        with_label=False,
        lazy_init=True,
        pipeline=train_pipeline))
