# Stage 1 (CPU scale): label-based pixel contrastive pretraining of
# EfficientNet-Lite0 + DeepLabv3+ decoder on CamVid, single-image variant
# (loss per image, averaged over the batch). Uses the labels of the labelled
# split (train_dataloader.dataset.fraction / seed). Colour distortion:
# PhotoMetricDistortion in the CamVid train pipeline.
_base_ = [
    '../_base_/models/effnetlite0_deeplabv3plus.py',
    '../_base_/datasets/camvid.py', '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_200i.py'
]
crop_size = (176, 240)
model = dict(
    type='PixelContrastPretrainer',
    data_preprocessor=dict(size=crop_size),
    projection_head=dict(type='ProjectionHead', channels=256, num_convs=3),
    # 44x60 decoder features (1/4 of the crop) resized to 22x30, the paper's
    # factor of 2 (129x129 -> 65x65)
    contrast_loss=dict(
        type='PixelContrastLoss',
        temperature=0.07,
        mode='single',
        feat_size=(22, 30)))
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_dataloader = dict(dataset=dict(fraction=0.1))
# the classifier is not trained in stage 1: no validation
val_dataloader = None
val_cfg = None
val_evaluator = None
