# Paper-scale DDeP pretraining (Brempong et al., arXiv:2205.11423), not run
# here: TransUNet R50+ViT-B/16 with the frozen supervised encoder and a 1x
# U-Net decoder, denoising ImageNet-21k images (labels unused) at 224x224,
# batch 512 (64 GPUs x 8), Adam, cosine decay, lr 6e-5, 100 epochs.
_base_ = [
    '../_base_/models/ddep_transunet_r50-vitb16_unet.py',
    '../_base_/datasets/imagenet21k_unlabelled.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adam_cosine_100e.py'
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    decode_head=dict(width_multiplier=1))
log_processor = dict(by_epoch=True)
custom_hooks = [dict(type='DenoisingVisualizationHook', interval=5000)]
default_hooks = dict(
    logger=dict(interval=100, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=5))
