# Fine-tuning from the GMML ablation gmml-aligned_*.py (see its docstring).
_base_ = ['./gmml-finetune_vit-tiny6-p8-uperhead_1xb8-400i_camvid-128x160.py']
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/'
        'gmml-aligned_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
