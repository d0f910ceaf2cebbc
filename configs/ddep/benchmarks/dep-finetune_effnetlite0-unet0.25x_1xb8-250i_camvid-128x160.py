# DeP fine-tuning: encoder and decoder from the DeP stage (both
# denoising-trained from random weights), so the ImageNet weights are not
# loaded first (the slots would replace them anyway).
_base_ = [
    '../../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py'
]
model = dict(backbone=dict(pretrained=False))
pretrain_stages = [
    dict(
        name='dep',
        config='configs/ddep/'
        'dep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py')
]
slots = dict(backbone='dep', decode_head='dep')
