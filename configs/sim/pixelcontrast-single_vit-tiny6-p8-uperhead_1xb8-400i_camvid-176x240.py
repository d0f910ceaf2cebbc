# Label-based pixel contrast (Zhao et al., arXiv:2012.06985), single-image
# variant, on the CPU ViT + UPerHead of the ViT studies: the whole model
# (encoder, neck, decoder) trained on the labelled split of CamVid with the
# random-init ViT baseline's schedule (AdamW with layer-wise lr decay, 400
# iterations); UPerHead's 128-channel pre-classifier features are resized to
# 22x30 for the loss. A stage of configs/chains/sim-pixelcontrast-*.py,
# kept beside SIM's configs as the GMML chain's DDeP stage is beside GMML's.
_base_ = [
    '../gmml/benchmarks/'
    'supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-176x240.py'
]
model = dict(
    _delete_=True,
    type='PixelContrastPretrainer',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
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
