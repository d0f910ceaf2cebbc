# Baseline of the GMML study: the CPU ViT (DeiT-Tiny widths, 6 blocks, 8x8
# patches) + MultiLevelNeck + UPerHead from random weights, fine-tuned by
# cross-entropy with median-frequency class weights as in the U-Net studies
# (docs/study_protocol.md, "Loss"), on 10% of CamVid's train labels (change
# with train_dataloader.dataset.fraction), 176x240 crops, batch 8, 400
# iterations of AdamW with layer-wise lr decay 0.75, val at the end. The GMML
# fine-tuning (gmml-finetune_*.py) differs only in its encoder weights.
_base_ = [
    '../../_base_/models/vit-tiny6-p8_uperhead.py',
    '../../_base_/datasets/camvid.py', '../../_base_/default_runtime.py',
    '../../_base_/schedules/adamw_vit_layerdecay_400i.py'
]
crop_size = (176, 240)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        loss_decode=dict(
            type='ClassWeightedCrossEntropyLoss',
            class_weight={{_base_.class_weight}})))
train_dataloader = dict(dataset=dict(fraction=0.1))
