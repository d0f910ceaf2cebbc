# A three-stage chain on CamVid (CPU scale): DDeP pretrains the U-Net decoder
# on the frozen ImageNet EfficientNet-Lite0 (train images, labels unused,
# once); pixel contrast then trains the whole model on the labelled split,
# starting from the DDeP decoder; cross-entropy fine-tuning at the split
# starts from the contrastive encoder and decoder.
#   python tools/run_chain.py THIS_CONFIG --work-dir work_dirs/chains
_base_ = [
    '../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py'
]
pretrain_stages = [
    dict(
        name='ddep',
        config='configs/ddep/'
        'ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py'),
    dict(
        name='contrast',
        config='configs/pixel_contrast/'
        'pixelcontrast-single_effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py',
        per_split=True,
        slots=dict(decode_head='ddep')),
]
slots = dict(backbone='contrast', decode_head='contrast')
