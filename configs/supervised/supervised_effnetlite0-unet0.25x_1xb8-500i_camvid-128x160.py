# The U-Net study baseline with twice the fine-tuning (500 iterations,
# the same warm-up and cosine decay): the schedule-length check of
# docs/study_protocol.md ("Loss"), not a study config.
_base_ = ['./supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py']
max_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_iters - 10,
        begin=10,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
