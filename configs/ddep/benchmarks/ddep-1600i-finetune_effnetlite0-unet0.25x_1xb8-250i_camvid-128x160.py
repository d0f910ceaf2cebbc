# DDeP fine-tuning from the 1600-iteration pretraining (the pretraining-compute
# study, README "Pretraining compute"): ddep-finetune_*.py with a longer
# denoising stage.
_base_ = ['./ddep-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py']
pretrain_stages = [
    dict(
        name='ddep-1600i',
        config='configs/ddep/'
        'ddep_effnetlite0-unet0.25x_1xb8-1600i_camvid-128x128.py')
]
slots = dict(decode_head='ddep-1600i')
