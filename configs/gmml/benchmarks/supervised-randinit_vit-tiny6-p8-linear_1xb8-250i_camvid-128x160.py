# Linear probe of the random-init CPU ViT, the floor of the GMML and SIM
# probe tables: frozen encoder, a 1x1 classifier on its last-block tokens
# (`_base_/models/vit-tiny6-p8_linear.py`) trained on 10% of CamVid's train
# labels (change with train_dataloader.dataset.fraction), 128x160 crops, the
# U-Net studies' schedule (250 iterations of Adam 1e-3, cosine) and loss
# (cross-entropy with median-frequency class weights).
_base_ = [
    '../../_base_/models/vit-tiny6-p8_linear.py',
    '../../_base_/datasets/camvid_128x160.py',
    '../../_base_/default_runtime.py',
    '../../_base_/schedules/adam_cosine_finetune_250i.py'
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
