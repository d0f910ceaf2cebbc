# SGD (momentum 0.9, weight decay 4e-5) with cosine decay to 0 over 200
# iterations, as in Zhao et al. (2021); configs set the learning rate
# (paper: 0.1 contrastive, 0.007 fine-tuning, 0.03 cross-entropy only).
max_iters = 200
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=4e-5))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters,
        eta_min=0.0,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
