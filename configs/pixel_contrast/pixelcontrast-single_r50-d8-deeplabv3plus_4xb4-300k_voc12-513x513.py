# Stage 1 at paper scale: label-based pixel contrastive pretraining of
# DeepLabv3+ R50 on Pascal VOC 2012, single-image variant. Decoder features
# 129x129 (1/4 of 513) resized to 65x65 for the loss, temperature 0.07,
# projection head of three 1x1 convs (256 channels), colour distortion,
# SGD lr 0.1, cosine, 300k steps.
_base_ = [
    '../supervised/supervised_r50-d8-deeplabv3plus_4xb4-50k_voc12-513x513.py'
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
        loss=dict(
            type='PixelContrastLoss',
            temperature=0.07,
            mode='single',
            feat_size=(65, 65))))
max_iters = 300000
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters,
        eta_min=0.0,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=10000))
# the classifier is not trained in stage 1: no validation
val_dataloader = None
val_cfg = None
val_evaluator = None
