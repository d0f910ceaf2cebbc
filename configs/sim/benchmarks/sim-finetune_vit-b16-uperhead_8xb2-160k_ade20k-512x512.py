# SIM fine-tuning at paper scale, not trained here: the ViT-B/16 encoder of
# the ImageNet-1k SIM stage (Tao et al., arXiv:2206.01204; its 14x14 position
# embedding is resized to 32x32 on load) under UPerNet
# (configs/_base_/models/vit-b16_uperhead.py) on ADE20K, 512x512 crops, 8
# GPUs x 2 images, the BEiT/MAE ViT-B schedule
# (configs/_base_/schedules/adamw_vit_layerdecay_160k.py). Evaluate with
# multi-scale + flip: tools/test.py CONFIG CHECKPOINT --tta.
_base_ = [
    '../../_base_/models/vit-b16_uperhead.py',
    '../../_base_/datasets/ade20k.py', '../../_base_/default_runtime.py',
    '../../_base_/schedules/adamw_vit_layerdecay_160k.py'
]
pretrain_stages = [
    dict(
        name='sim',
        config='configs/sim/sim_vit-b16_64xb64-1600e_in1k-224x224.py')
]
slots = dict(backbone='sim')
train_dataloader = dict(batch_size=2)  # 16 images per step (BEiT/MAE)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=16000))
