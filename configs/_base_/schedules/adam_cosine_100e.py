# DDeP pretraining at paper scale (Brempong et al., arXiv:2205.11423): Adam
# with cosine decay over 100 epochs, lr 6e-5 for batch 512 (configs set 1e-4
# for the 2x decoder).
max_epochs = 100
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=6e-5, betas=(0.9, 0.999)))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        T_max=max_epochs,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=512)
