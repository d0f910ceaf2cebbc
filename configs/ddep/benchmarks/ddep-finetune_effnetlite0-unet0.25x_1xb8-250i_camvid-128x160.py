# DDeP fine-tuning: the baseline's model and schedule, with the decoder of the
# DDeP stage (denoising-pretrained on the frozen ImageNet encoder; the encoder
# is the baseline's ImageNet one, the classifier conv_seg is new). The stage
# runs once for all label splits (tools/run_chain.py, label_efficiency.py).
_base_ = [
    '../../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py'
]
pretrain_stages = [
    dict(
        name='ddep',
        config='configs/ddep/'
        'ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py')
]
slots = dict(decode_head='ddep')
