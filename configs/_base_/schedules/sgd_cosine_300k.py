# SGD + cosine: sgd_cosine_200i.py over 300000 iterations (Zhao et al., 2021).
_base_ = ['./sgd_cosine_200i.py']
max_iters = 300000
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters,
        eta_min=0.0,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=300000)
