# GMML fine-tuning at paper scale, not trained here: the ViT-S/16 encoder of
# the ImageNet-1k GMML stage (Atito et al., arXiv:2104.03602,
# arXiv:2205.14986; its 14x14 position embedding is resized to 32x32 on
# load) under UPerNet (configs/_base_/models/vit-s16_uperhead.py) on ADE20K,
# 512x512 crops, 8 GPUs x 2 images. Evaluate with multi-scale + flip:
# tools/test.py CONFIG CHECKPOINT --tta. Neither paper gives the
# segmentation recipe; AdamW with weight decay 0.05 is GMML's optimiser
# and BEiT's (arXiv:2106.08254); the schedule is the usual one of BEiT and
# MAE ViT fine-tuning on ADE20K (configs/_base_/schedules/
# adamw_vit_layerdecay_160k.py).
_base_ = [
    '../../_base_/models/vit-s16_uperhead.py',
    '../../_base_/datasets/ade20k.py', '../../_base_/default_runtime.py',
    '../../_base_/schedules/adamw_vit_layerdecay_160k.py'
]
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/gmml_vit-s16_8xb64-800e_in1k-224x224.py')
]
slots = dict(backbone='gmml')
train_dataloader = dict(batch_size=2)  # 16 images per step (BEiT/MAE)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=16000))
