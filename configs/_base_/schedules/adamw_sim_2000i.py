# SIM pretraining on the CPU schedule of GMML's (adamw_gmml_2000i.py), so the
# two compare at one budget: 2000 iterations at batch 8, lr 5e-4 (GMML's CPU
# value; SIM's own base lr, 6.25e-5 x batch / 256, would be 2e-6 at batch 8),
# 20 iterations of linear warm-up, then cosine to 0. SIM's optimiser
# otherwise (Tao et al., arXiv:2206.01204, public code): AdamW with betas
# (0.9, 0.95), weight decay 0.05, gradient clipping at 1.0. No val.
max_iters = 2000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=5e-4, betas=(0.9, 0.95), weight_decay=0.05),
    clip_grad=dict(max_norm=1.0))
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
