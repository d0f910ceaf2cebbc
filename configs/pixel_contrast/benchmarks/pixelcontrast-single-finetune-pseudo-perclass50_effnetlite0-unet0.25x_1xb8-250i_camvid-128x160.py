# The self-training chain of the -pseudo_ config with the class-balanced
# selection of Zou et al. (ECCV 2018) as they define it: each class keeps
# its 50% most confident predicted pixels, whatever their confidence (no
# global threshold: the ceiling of 1.0 is lowered for every class). The
# fixed threshold 0.8 keeps 82% of the teacher's sky pixels but 20% of its
# building pixels (configs/pixel_contrast/README.md#pseudo-labels-at-10);
# equal portions keep the classes' shares of the pseudo labels those of the
# teacher's predictions.
_base_ = ['./pixelcontrast-single-finetune-pseudo_effnetlite0-unet0.25x_'
          '1xb8-250i_camvid-128x160.py']
pretrain_stages = [
    dict(
        name='contrast',
        config='configs/pixel_contrast/pixelcontrast-single_effnetlite0-'
        'unet0.25x_1xb8-250i_camvid-128x160.py',
        per_split=True),
    dict(
        # the same teachers as the -pseudo_ configs
        name='pixelcontrast-single-finetune_effnetlite0-unet0.25x_1xb8-'
        '250i_camvid-128x160',
        config='configs/pixel_contrast/benchmarks/pixelcontrast-single-'
        'finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py',
        per_split=True,
        slots=dict(backbone='contrast', decode_head='contrast'),
        pseudo_labels=dict(threshold=1.0, class_balanced=0.5)),
]
