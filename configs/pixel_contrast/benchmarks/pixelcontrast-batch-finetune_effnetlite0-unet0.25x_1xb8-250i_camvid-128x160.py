# Stage 2 of the pixel-contrast study after the batch stage 1: the single
# variant's fine-tuning with its stage 1 swapped.
_base_ = [
    './pixelcontrast-single-finetune_effnetlite0-unet0.25x_1xb8-250i_'
    'camvid-128x160.py'
]
pretrain_stages = [
    dict(
        name='contrast',
        config='configs/pixel_contrast/'
        'pixelcontrast-batch_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py',
        per_split=True)
]
