# Baseline of the DDeP study: ImageNet EfficientNet-Lite0 + a random 1/4-width
# U-Net decoder, fine-tuned by cross-entropy on 10% of CamVid's train labels
# (change with train_dataloader.dataset.fraction), 176x240 crops, batch 8,
# 250 iterations, Adam with cosine decay (as DDeP's fine-tuning, Brempong et
# al., arXiv:2205.11423), val at the end.
_base_ = [
    '../_base_/models/effnetlite0_unet.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/adam_cosine_finetune_250i.py'
]
crop_size = (176, 240)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(fraction=0.1))
