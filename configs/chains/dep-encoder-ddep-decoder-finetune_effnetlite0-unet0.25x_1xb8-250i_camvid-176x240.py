# Encoder and decoder from two different stages (CPU scale, CamVid): the
# encoder of DeP (denoising-pretrained from random weights together with its
# decoder) and the decoder of DDeP (denoising-pretrained on the frozen
# ImageNet encoder), then cross-entropy fine-tuning on the labelled split.
#   python tools/run_chain.py THIS_CONFIG --work-dir work_dirs/chains
_base_ = [
    '../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py'
]
pretrain_stages = [
    dict(
        name='dep',
        config='configs/ddep/'
        'dep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py'),
    dict(
        name='ddep',
        config='configs/ddep/'
        'ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py'),
]
model = dict(backbone=dict(pretrained=False))
slots = dict(backbone='dep', decode_head='ddep')
