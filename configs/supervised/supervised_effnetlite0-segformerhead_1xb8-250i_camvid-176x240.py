# The SegFormer-head reference of the U-Net baseline: ImageNet
# EfficientNet-Lite0 + SegFormer head on the U-Net baseline's data and
# schedule (10% of CamVid's train labels, 176x240 crops, batch 8, 250
# iterations of Adam with cosine decay), so the two decoders compare directly
# (configs/supervised/README.md).
_base_ = [
    '../_base_/models/effnetlite0_segformerhead.py',
    '../_base_/datasets/camvid.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adam_cosine_finetune_250i.py'
]
crop_size = (176, 240)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(fraction=0.1))
