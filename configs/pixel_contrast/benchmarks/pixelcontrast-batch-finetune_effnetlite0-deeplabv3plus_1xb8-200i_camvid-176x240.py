# Stage 2 (CPU scale): cross-entropy fine-tuning of the whole network,
# initialised from the batch stage-1 checkpoint (projection head
# dropped): load_from = <stage-1 work dir>/iter_200.pth.
# tools/label_efficiency.py runs stage 1 per label fraction and seed first
# (it uses the labels of that split) and passes load_from itself.
# lr: 10x the paper's 0.007, as for the CE-only baseline.
_base_ = ['../../supervised/supervised_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py']
pretrain_stages = [
    dict(
        name='contrast',
        config='configs/pixel_contrast/pixelcontrast-batch_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py', per_split=True)
]
slots = dict(backbone='contrast', decode_head='contrast')
optim_wrapper = dict(optimizer=dict(lr=0.07))
