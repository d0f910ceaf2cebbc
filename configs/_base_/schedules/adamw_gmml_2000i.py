# GMML pretraining on a short CPU schedule: SiT's AdamW (weight decay 0.05,
# gradient clipping at 3.0 as in the public code; Atito et al.,
# arXiv:2104.03602), lr 5e-4 (the paper's at batch 256, kept at batch 8 for
# 2000 steps), 20 iterations of linear warm-up, then cosine to 0. No val.
max_iters = 2000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=3.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_iters - 20,
        begin=20,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
