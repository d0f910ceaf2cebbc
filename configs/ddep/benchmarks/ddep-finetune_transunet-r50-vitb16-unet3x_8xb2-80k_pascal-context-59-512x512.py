# Paper-scale DDeP fine-tuning on Pascal Context (59 classes; Brempong et al., arXiv:2205.11423),
# not run here: the 3x decoder from the ImageNet-21k DDeP checkpoint, 512x512
# crops with random scale and flip, batch 8 x 2; multi-scale (0.5 ... 1.75)
# + flip inference with `tools/test.py --tta`.
_base_ = [
    '../../_base_/models/transunet_r50-vitb16_unet.py',
    '../../_base_/datasets/pascal_context_512x512.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/adam_cosine_80k.py'
]
pretrain_stages = [
    dict(
        name='ddep',
        config='configs/ddep/'
        'ddep_transunet-r50-vitb16-unet3x_64xb8-100e_in21k-224x224.py')
]
slots = dict(decode_head='ddep')
crop_size = {{_base_.crop_size}}
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(img_size=crop_size),
    decode_head=dict(num_classes=59, width_multiplier=3))
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=8000))
