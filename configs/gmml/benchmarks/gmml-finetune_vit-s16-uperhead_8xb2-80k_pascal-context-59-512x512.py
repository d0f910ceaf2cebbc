# GMML fine-tuning at paper scale on Pascal Context (59 classes), not
# trained here: the recipe of the ADE20K config
# (gmml-finetune_vit-s16-uperhead_8xb2-160k_ade20k-512x512.py: GMML's
# ImageNet-1k ViT-S/16 encoder, UPerNet, 512x512 crops, 8 GPUs x 2 images,
# AdamW with layer-wise lr decay, the BEiT/MAE values) on mmseg's usual
# Pascal Context schedule of 80k iterations (BEiT and MAE do not report
# Pascal Context). Evaluate with multi-scale + flip: tools/test.py CONFIG
# CHECKPOINT --tta.
_base_ = [
    '../../_base_/models/vit-s16_uperhead.py',
    '../../_base_/datasets/pascal_context_512x512.py',
    '../../_base_/default_runtime.py'
]
num_classes = 59
model = dict(
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/gmml_vit-s16_8xb64-800e_in1k-224x224.py')
]
slots = dict(backbone='gmml')
train_dataloader = dict(batch_size=2)  # 16 images per step (BEiT/MAE)
max_iters = 80000  # mmseg's Pascal Context schedule
warmup_iters = 1500  # BEiT/MAE
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW',
        lr=1e-4,  # BEiT/MAE (MAE's ViT-B value on ADE20K)
        betas=(0.9, 0.999),
        weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,  # BEiT/MAE (MAE's ViT-B value on ADE20K)
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
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=8000))
