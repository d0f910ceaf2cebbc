# DDeP fine-tuning (Adam, cosine decay; Brempong et al., arXiv:2205.11423) on
# a short CPU schedule: 250 iterations, 10 of linear warm-up, then cosine to
# 0; val at the end.
max_iters = 250
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_iters - 10,
        begin=10,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
