# ViT fine-tuning on ADE20K as BEiT (arXiv:2106.08254) and MAE
# (arXiv:2111.06377) do it (their mmseg configs): AdamW (lr 1e-4, MAE's
# ViT-B value; weight decay 0.05, none on position embedding, class token
# and norms) with layer-wise lr decay 0.65, 1500 iterations of linear
# warm-up, then poly decay over 160k iterations of 16 images; val every
# 16k (configs set the checkpoint interval to match).
max_iters = 160000
warmup_iters = 1500
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
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
