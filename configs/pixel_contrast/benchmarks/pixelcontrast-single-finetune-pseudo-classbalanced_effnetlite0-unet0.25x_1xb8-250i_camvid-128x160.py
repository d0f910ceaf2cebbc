# The self-training chain of the -pseudo_ config with class-balanced
# thresholds (Zou et al., ECCV 2018): each class keeps at least its 20% most
# confident predicted pixels, the threshold of 0.8 lowered where needed, so
# the small classes (pole, sign, fence, pedestrian, bicyclist), which rarely
# reach 0.8, still get pseudo labels.
_base_ = ['./pixelcontrast-single-finetune-pseudo_effnetlite0-unet0.25x_'
          '1xb8-250i_camvid-128x160.py']
pretrain_stages = [
    dict(
        name='contrast',
        config='configs/pixel_contrast/pixelcontrast-single_effnetlite0-'
        'unet0.25x_1xb8-250i_camvid-128x160.py',
        per_split=True),
    dict(
        # named as the final stage of that config's own chain, so a study
        # that ran it already reuses its runs as the teachers
        name='pixelcontrast-single-finetune_effnetlite0-unet0.25x_1xb8-'
        '250i_camvid-128x160',
        config='configs/pixel_contrast/benchmarks/pixelcontrast-single-'
        'finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py',
        per_split=True,
        slots=dict(backbone='contrast', decode_head='contrast'),
        pseudo_labels=dict(threshold=0.8, class_balanced=0.2)),
]
