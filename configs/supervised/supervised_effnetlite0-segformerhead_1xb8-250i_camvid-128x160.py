# The SegFormer-head reference of the U-Net study baseline: ImageNet
# EfficientNet-Lite0 + SegFormer head on that baseline's data and schedule
# (10% of CamVid's train labels, 128x160 crops, batch 8, 250 iterations of
# Adam with cosine decay), so the two decoders compare directly
# (configs/supervised/README.md).
_base_ = [
    '../_base_/models/effnetlite0_segformerhead.py',
    '../_base_/datasets/camvid_128x160.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adam_cosine_finetune_250i.py'
]
crop_size = (128, 160)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(fraction=0.1))
