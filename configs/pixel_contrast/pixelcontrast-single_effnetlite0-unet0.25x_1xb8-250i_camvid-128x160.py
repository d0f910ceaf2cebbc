# Stage 1 of the pixel-contrast study on the sound U-Net baseline: label-based
# pixel contrastive pretraining (Zhao et al., arXiv:2012.06985) of ImageNet
# EfficientNet-Lite0 + the 1/4-width U-Net decoder on the labelled split of
# CamVid, single-image variant, with the baseline's data and schedule (128x160
# crops, batch 8, 250 iterations of Adam, cosine) at lr 1e-3 (the tuning
# grid tunes the fine-tuning's lr, 3e-3 for the baseline, not stage 1's).
# The projection head reads the decoder's full-resolution fused
# pre-classifier features resized to 1/4 of the crop (32x40), the resolution
# of the paper's DeepLabv3+ features: projecting at full resolution took
# 3.8-4.2 s per step on 2 cores, against 0.66 s for the fine-tuning. The
# loss resizes the embeddings to 1/8 (16x20). Its fine-tuning:
# benchmarks/pixelcontrast-single-finetune_<this suffix>.
_base_ = [
    '../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py'
]
model = dict(
    _delete_=True,
    type='PixelContrastPretrainer',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head={{_base_.model.decode_head}},
    head=dict(
        type='PixelContrastHead',
        channels=256,
        num_convs=3,
        proj_size=(32, 40),
        loss=dict(
            type='PixelContrastLoss',
            temperature=0.07,
            mode='single',
            feat_size=(16, 20))))
# the classifier is not trained in stage 1: no validation
val_dataloader = None
val_cfg = None
val_evaluator = None
# stage 1 is not tuned by the fine-tuning grid: the whole model at lr 1e-3
optim_wrapper = dict(
    optimizer=dict(lr=1e-3),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.)}))
