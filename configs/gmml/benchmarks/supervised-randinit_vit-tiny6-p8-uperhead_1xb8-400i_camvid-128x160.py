# The random-init ViT baseline of the GMML and SIM studies on the study crops
# of the U-Net studies (128x160, `_base_/datasets/camvid_128x160.py`): the
# 176x240 recipe (supervised-randinit_*_camvid-176x240.py) on smaller crops,
# a step of batch 8 in 0.95 s instead of 2.07 s on 2 cores.
_base_ = [
    '../../_base_/models/vit-tiny6-p8_uperhead.py',
    '../../_base_/datasets/camvid_128x160.py',
    '../../_base_/default_runtime.py',
    '../../_base_/schedules/adamw_vit_layerdecay_400i.py'
]
crop_size = (128, 160)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(img_size=crop_size),
    decode_head=dict(
        loss_decode=dict(
            type='ClassWeightedCrossEntropyLoss',
            class_weight={{_base_.class_weight}})))
train_dataloader = dict(dataset=dict(fraction=0.1))
