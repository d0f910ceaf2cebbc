# SiT / GMML pretraining at paper scale (Atito et al., arXiv:2104.03602):
# AdamW, weight decay 0.05, lr 5e-4 x batch / 256, here for 8 GPUs x 64 =
# 512 images (lr 1e-3; `auto_scale_lr` rescales it for another batch with
# tools/train.py --auto-scale-lr), 10 warm-up epochs, cosine decay, 800
# epochs (ImageNet-1k), gradient clipping at 3.0 (public code).
max_epochs = 800
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=5e-4 * 512 / 256, betas=(0.9, 0.999),
        weight_decay=0.05),
    clip_grad=dict(max_norm=3.0))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=10,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-6,
        T_max=max_epochs - 10,
        by_epoch=True,
        begin=10,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512)
