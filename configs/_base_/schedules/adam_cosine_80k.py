# DDeP fine-tuning at paper scale (Brempong et al., arXiv:2205.11423):
# cross-entropy with Adam and cosine decay; lr and weight decay are one point
# (1e-4) of the paper's sweep over [1e-5, 3e-4]. 80k iterations is mmseg's
# usual budget for the data set (this toolbox's choice, not the paper's).
max_iters = 80000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_iters,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
