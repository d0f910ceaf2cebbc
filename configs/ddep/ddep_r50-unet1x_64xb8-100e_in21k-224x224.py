# Paper-scale DDeP pretraining of a plain U-Net on the frozen ImageNet
# ResNet-50 (Brempong et al., arXiv:2205.11423), not run here: the TransUNet
# recipe (ImageNet-21k images without labels, 224x224, batch 512, Adam, cosine,
# lr 6e-5, 100 epochs) with mmseg's ResNetV1c-50 and a 1x decoder.
_base_ = [
    '../_base_/models/ddep_r50_unet.py',
    '../_base_/datasets/imagenet21k_unlabelled.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adam_cosine_100e.py'
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
log_processor = dict(by_epoch=True)
custom_hooks = [dict(type='DenoisingVisualizationHook', interval=5000)]
default_hooks = dict(
    logger=dict(interval=100, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=5))
