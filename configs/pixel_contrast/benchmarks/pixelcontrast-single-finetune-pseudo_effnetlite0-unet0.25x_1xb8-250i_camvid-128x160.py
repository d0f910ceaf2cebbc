# Self-training on the pixel-contrast study's model, one chain per label
# split: single-image pixel contrast (stage 1), CE fine-tuning from it on the
# labelled split (the teacher, = pixelcontrast-single-finetune_*.py), which
# pseudo-labels the other train images (a pixel keeps the teacher's class
# where its confidence is >= 0.8, the paper's threshold; else ignored); then
# CE fine-tuning from stage 1 again, on the labelled split plus the
# pseudo-labelled images (ConcatDataset; mmssl_seg.apis.chain).
_base_ = ['./pixelcontrast-single-finetune_effnetlite0-unet0.25x_'
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
        pseudo_labels=dict(threshold=0.8)),
]
slots = dict(backbone='contrast', decode_head='contrast')
pseudo_labels_from = pretrain_stages[-1]['name']
