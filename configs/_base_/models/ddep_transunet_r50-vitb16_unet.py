# DDeP pretraining model for transunet_r50-vitb16_unet.py: the same encoder
# and decoder (matching the fine-tuning EncoderDecoder's keys) inside a
# DenoisingPretrainer. Scaled noise, sigma = 0.22, noise target, encoder frozen
# at its supervised ImageNet-21k weights (Brempong et al., arXiv:2205.11423).
_base_ = ['./transunet_r50-vitb16_unet.py']
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
