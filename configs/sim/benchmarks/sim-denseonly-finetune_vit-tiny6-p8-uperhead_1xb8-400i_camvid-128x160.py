# Fine-tuning from the SIM ablation sim-denseonly_*.py (see its docstring).
_base_ = ['./sim-finetune_vit-tiny6-p8-uperhead_1xb8-400i_camvid-128x160.py']
pretrain_stages = [
    dict(
        name='sim',
        config='configs/sim/'
        'sim-denseonly_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
