# Stage 2 (CPU scale): cross-entropy fine-tuning of the whole network, with
# encoder and decoder from the single-image stage 1 (its projection head stays
# behind). Stage 1 uses the labels, so it runs for every label split
# (per_split=True; tools/run_chain.py, label_efficiency.py).
# lr: 10x the paper's 0.007, as for the CE-only baseline.
_base_ = [
    '../../supervised/supervised_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py'
]
pretrain_stages = [
    dict(
        name='contrast',
        config='configs/pixel_contrast/'
        'pixelcontrast-single_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py', per_split=True)
]
slots = dict(backbone='contrast', decode_head='contrast')
optim_wrapper = dict(optimizer=dict(lr=0.07))
