# Cross-entropy-only baseline (CPU scale): the stage-2 network (ImageNet
# EfficientNet-Lite0 + DeepLabv3+ decoder) trained from its ImageNet weights
# on the labelled split. SGD at 10x the paper's CE-only learning rate (0.03):
# the CPU schedules fine-tune for 200 iterations instead of 50k (the factor
# is the same for stage 2; see README.md, Budget).
_base_ = [
    '../_base_/models/effnetlite0_deeplabv3plus.py',
    '../_base_/datasets/camvid.py', '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_200i.py'
]
crop_size = (176, 240)
model = dict(data_preprocessor=dict(size=crop_size))
optim_wrapper = dict(optimizer=dict(lr=0.3))
train_dataloader = dict(dataset=dict(fraction=0.1))
