# Stage 2 of the pixel-contrast study: the U-Net baseline's cross-entropy
# fine-tuning (the same config and schedule, its own lr) with encoder and
# decoder from the single stage 1 of the same label split (its projection
# head stays behind). Stage 1 uses the labels, so it runs for every split
# (per_split=True). The fine-tuning lr is this method's best of the tuning
# grid, 1e-3, with the baseline's encoder lr x0.1 (the baseline's lr is
# 3e-3; docs/study_protocol.md, "Fair tuning").
_base_ = [
    '../../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py'
]
pretrain_stages = [
    dict(
        name='contrast',
        config='configs/pixel_contrast/'
        'pixelcontrast-single_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py',
        per_split=True)
]
slots = dict(backbone='contrast', decode_head='contrast')
optim_wrapper = dict(optimizer=dict(lr=1e-3))
