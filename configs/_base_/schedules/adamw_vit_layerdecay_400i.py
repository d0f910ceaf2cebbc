# ViT fine-tuning on a short CPU schedule: AdamW (lr 5e-4, weight decay 0.05,
# none on position embedding, class token and norms) with layer-wise lr
# decay 0.75 (BEiT, arXiv:2106.08254: block i of L gets 0.75^(L + 1 - i) of
# the decode head's lr), 20 iterations of linear warm-up, then poly decay;
# 400 iterations, val at the end.
max_iters = 400
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        norm_decay_mult=0.,
        custom_keys={
            '.cls_token': dict(decay_mult=0.),
            '.pos_embed': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(
        type='PolyLR',
        eta_min=1e-6,
        power=1.0,
        begin=20,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
