# DDeP fine-tuning at paper scale (Brempong et al., arXiv:2205.11423):
# cross-entropy with Adam and cosine decay; lr and weight decay are one point
# (1e-4) of the paper's sweep over [1e-5, 3e-4]. adam_cosine_80k.py over 160k
# iterations, mmseg's usual budget for the data set (the iteration count is
# this toolbox's choice, not the paper's).
_base_ = ['./adam_cosine_80k.py']
max_iters = 160000
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters,
        eta_min=0.0,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=16000)
