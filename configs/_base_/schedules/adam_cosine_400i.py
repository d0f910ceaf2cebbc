# DDeP's optimiser (Adam, cosine decay; Brempong et al., arXiv:2205.11423)
# on a short iteration-based CPU schedule: 400 iterations, cosine from lr
# to 0.
max_iters = 400
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_iters,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
