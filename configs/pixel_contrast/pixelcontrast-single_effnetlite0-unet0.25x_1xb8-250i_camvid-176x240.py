# Stage 1 (CPU scale) on the DDeP model: label-based pixel contrastive
# pretraining of EfficientNet-Lite0 + the 1/4-width U-Net decoder on the
# labelled split of CamVid, single-image variant, with the U-Net baseline's
# schedule (Adam, 250 iterations). The decoder's pre-classifier features
# (16 channels at the crop's resolution) are resized to 22x30 for the loss.
# Used by the chain configs/chains/ddep-pixelcontrast_*.py.
_base_ = [
    '../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py'
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
            feat_size=(22, 30))))
# the classifier is not trained in stage 1: no validation
val_dataloader = None
val_cfg = None
val_evaluator = None
