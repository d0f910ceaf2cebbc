# DDeP fine-tuning from the 6400-iteration pretraining (the pretraining-compute
# study, README "Pretraining compute"): ddep-finetune_*.py with a longer
# denoising stage.
_base_ = ['./ddep-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py']
pretrain_stages = [
    dict(
        name='ddep-6400i',
        config='configs/ddep/'
        'ddep_effnetlite0-unet0.25x_1xb8-6400i_camvid-128x128.py')
]
slots = dict(decode_head='ddep-6400i')
