# Supervised baseline: ImageNet EfficientNet-Lite0 + SegFormer head, trained on
# 10% of CamVid's train labels (change with
# --cfg-options train_dataloader.dataset.fraction=...).
_base_ = [
    '../_base_/models/effnetlite0_segformerhead.py',
    '../_base_/datasets/camvid.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_400i.py'
]
crop_size = (176, 240)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(fraction=0.1))
