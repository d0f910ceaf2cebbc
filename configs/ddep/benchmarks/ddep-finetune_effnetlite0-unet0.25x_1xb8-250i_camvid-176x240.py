# DDeP fine-tuning: the baseline's model and schedule, started from the DDeP
# checkpoint (its frozen ImageNet encoder and denoising-pretrained decoder;
# the classifier conv_seg stays random). tools/label_efficiency.py runs the
# pretraining once and passes its checkpoint as load_from.
_base_ = ['../../supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py']
pretrain_stages = [
    dict(
        name='ddep',
        config='configs/ddep/ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py')
]
slots = dict(decode_head='ddep')
