# SIM pretraining at paper scale (Tao et al., arXiv:2206.01204; the public
# code's recipe): AdamW with betas (0.9, 0.95), weight decay 0.05, base lr
# 6.25e-5 x batch / 256, here for the code's batch of 4096 images
# (`auto_scale_lr` rescales it for another batch with
# tools/train.py --auto-scale-lr), 40 warm-up epochs, cosine decay, 1600
# epochs, gradient clipping at 1.0.
max_epochs = 1600
warmup_epochs = 40
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW',
        lr=6.25e-5 * 4096 / 256,
        betas=(0.9, 0.95),
        weight_decay=0.05),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_epochs - warmup_epochs,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=4096)
