# DDeP pretraining model for r50_unet.py: the same encoder and decoder inside
# a DenoisingPretrainer (keys match the fine-tuning EncoderDecoder). Scaled
# noise, sigma = 0.22, noise target, encoder frozen at its ImageNet weights.
_base_ = ['./r50_unet.py']
model = dict(
    _delete_=True,
    type='DenoisingPretrainer',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head={{_base_.model.decode_head}},
    head=dict(type='DenoisingHead', out_channels=3),
    noise=dict(type='GaussianNoise', sigma=0.22, mode='scaled'),
    target='noise',
    frozen_slots=('backbone', ))
