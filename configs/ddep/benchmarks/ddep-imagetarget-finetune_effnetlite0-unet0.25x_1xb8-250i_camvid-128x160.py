# Fine-tuning from the DDeP ablation ddep-imagetarget_*.py (see its docstring).
_base_ = ['./ddep-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py']
pretrain_stages = [
    dict(
        name='ddep',
        config='configs/ddep/'
        'ddep-imagetarget_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py')
]
