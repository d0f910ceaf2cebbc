# SIM on a CPU (Tao et al., arXiv:2206.01204) at the budget of the GMML CPU
# recipe (configs/gmml/gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py), so the
# two compare directly: the encoder of configs/_base_/models/
# vit-tiny6-p8_uperhead.py (DeiT-Tiny widths, 6 blocks, 8x8 patches; here
# with the code's frozen patch embedding and fixed sin-cos positions)
# pretrained on the 367 CamVid train images (labels unused), two 96x96 views
# (crop of 20-100% of the image, flip, colour), batch 8, 2000 iterations
# (configs/_base_/schedules/adamw_sim_2000i.py). 87 of the 144 patches of
# view a masked (the paper's 118/196); projector 2 and predictor 4
# BatchNorm blocks at the encoder's width 192; global + dense UniGrad
# against the momentum branch (0.995 -> 1). The fine-tuning configs in
# benchmarks/ take its backbone as a pretraining stage. Cost and results
# not measured yet.
_base_ = [
    '../_base_/models/vit-tiny6-p8_uperhead.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adamw_sim_2000i.py',
    '../_base_/datasets/ssl_view_colours.py'
]
data_root = 'data/camvid'
view_size = 96
patch_size = 8
model = dict(
    _delete_=True,
    type='SIM',
    data_preprocessor=dict(
        type='mmpretrain.SelfSupDataPreprocessor',
        mean={{_base_.data_preprocessor.mean}},
        std={{_base_.data_preprocessor.std}},
        to_rgb=True),
    backbone=dict(
        type='ViTSinCos',
        arch={{_base_.vit_arch}},
        img_size=view_size,
        patch_size=patch_size,
        out_type='raw'),
    head=dict(
        type='SIMHead',
        in_channels=192,
        embed_dims=192,
        num_heads=3,
        projector_depth=2,
        predictor_depth=4,
        loss=dict(type='UniGradLoss')),
    masking=dict(type='FixedCountBlockMasking', ratio=118 / 196),
    momentum=0.995)


def view(colours):
    return [
        dict(
            type='RandomResizedCropWithBox',
            scale=view_size,
            crop_ratio_range=(0.2, 1.),
            backend='pillow'),
        dict(type='mmpretrain.RandomFlip', prob=0.5),
        dict(type='Compose', transforms=colours)
    ]


train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiViewWithGeometry',
        num_views=[1, 1],
        transforms=[
            view({{_base_.view1_colours}}),
            view({{_base_.view2_colours}})
        ]),
    dict(type='mmpretrain.PackInputs', meta_keys=('crop_boxes', 'flips'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CamVidDataset',
        data_root=data_root,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=500))
