# Cross-entropy-only baseline (CPU scale): the stage-2 network (ImageNet
# EfficientNet-Lite0 + DeepLabv3+ decoder) trained from its ImageNet weights
# on the labelled split, SGD at the paper's CE-only learning rate.
_base_ = [
    '../_base_/models/effnetlite0_deeplabv3plus.py',
    '../_base_/datasets/camvid.py', '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_200i.py'
]
crop_size = (176, 240)
model = dict(data_preprocessor=dict(size=crop_size))
optim_wrapper = dict(optimizer=dict(lr=0.03))
train_dataloader = dict(dataset=dict(fraction=0.1))
