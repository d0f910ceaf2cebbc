# Stage 2 at paper scale: cross-entropy fine-tuning of the whole DeepLabv3+
# R50, encoder and decoder from stage 1 (its projection head stays behind),
# SGD lr 0.007, cosine, 50k steps (300k with more than 2500 labelled images).
_base_ = [
    '../../supervised/supervised_r50-d8-deeplabv3plus_4xb4-50k_voc12-513x513.py'
]
pretrain_stages = [
    dict(
        name='contrast',
        config='configs/pixel_contrast/'
        'pixelcontrast-single_r50-d8-deeplabv3plus_4xb4-300k_voc12-513x513.py', per_split=True)
]
slots = dict(backbone='contrast', decode_head='contrast')
optim_wrapper = dict(optimizer=dict(lr=0.007))
