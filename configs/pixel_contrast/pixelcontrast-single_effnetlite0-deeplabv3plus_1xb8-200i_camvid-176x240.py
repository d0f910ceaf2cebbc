# Stage 1 (CPU scale): label-based pixel contrastive pretraining of
# EfficientNet-Lite0 + DeepLabv3+ decoder on CamVid, single-image variant
# (loss per image, averaged over the batch). Uses the labels of the labelled
# split (train_dataloader.dataset.fraction / seed). Colour distortion:
# PhotoMetricDistortion in the CamVid train pipeline.
_base_ = [
    '../supervised/supervised_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py'
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
        # 44x60 decoder features (1/4 of the crop) resized to 22x30, the
        # paper's factor of 2 (129x129 -> 65x65)
        loss=dict(
            type='PixelContrastLoss',
            temperature=0.07,
            mode='single',
            feat_size=(22, 30))))
optim_wrapper = dict(optimizer=dict(lr=0.1))
# the classifier is not trained in stage 1: no validation
val_dataloader = None
val_cfg = None
val_evaluator = None
