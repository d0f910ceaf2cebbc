# DDeP pretraining for longer: the 400-iteration CamVid recipe
# (ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py) run for 6400
# iterations, cosine decay over the whole run. The pretraining-compute study
# (README, "Pretraining compute") fine-tunes it at 10% of the labels.
_base_ = ['./ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py']
max_iters = 6400
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_iters,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(checkpoint=dict(interval=1600))
custom_hooks = [dict(type='DenoisingVisualizationHook', interval=1600)]
