# GMML fine-tuning at paper scale, not trained here: the ViT-S/16 encoder of
# the ImageNet-1k GMML stage (Atito et al., arXiv:2104.03602,
# arXiv:2205.14986; its 14x14 position embedding is resized to 32x32 on
# load) under UPerNet (configs/_base_/models/vit-s16_uperhead.py) on ADE20K,
# 512x512 crops, 8 GPUs x 2 images. Evaluate with multi-scale + flip:
# tools/test.py CONFIG CHECKPOINT --tta. Neither paper gives the
# segmentation recipe; AdamW with weight decay 0.05 is GMML's optimiser
# and BEiT's (arXiv:2106.08254), and the values marked "BEiT/MAE" are the
# usual ones of BEiT and MAE ViT fine-tuning on ADE20K (their mmseg
# configs).
_base_ = [
    '../../_base_/models/vit-s16_uperhead.py',
    '../../_base_/datasets/ade20k.py', '../../_base_/default_runtime.py'
]
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/gmml_vit-s16_8xb64-800e_in1k-224x224.py')
]
slots = dict(backbone='gmml')
train_dataloader = dict(batch_size=2)  # 16 images per step (BEiT/MAE)
max_iters = 160000  # BEiT/MAE
warmup_iters = 1500  # BEiT/MAE
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW',
        lr=1e-4,  # BEiT/MAE (MAE's ViT-B value)
        betas=(0.9, 0.999),
        weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,  # BEiT/MAE (MAE's ViT-B value)
        norm_decay_mult=0.,
        custom_keys={
            '.cls_token': dict(decay_mult=0.),
            '.pos_embed': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='PolyLR',
        eta_min=0.,
        power=1.0,
        begin=warmup_iters,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=16000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=16000))
