# DDeP pretraining model for vit-tiny6-p8_unet.py: the same backbone, neck
# and decode_head (so the state-dict keys match the fine-tuning
# EncoderDecoder) inside a DenoisingPretrainer. Scaled noise, sigma = 0.22,
# noise target, frozen encoder (Brempong et al., arXiv:2205.11423); the neck
# and the U-Net decoder are trained. The decoder's classifier is not part of
# pretraining.
_base_ = ['./vit-tiny6-p8_unet.py']
model = dict(
    _delete_=True,
    type='DenoisingPretrainer',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    neck={{_base_.model.neck}},
    decode_head={{_base_.model.decode_head}},
    head=dict(type='DenoisingHead', out_channels=3),
    noise=dict(type='GaussianNoise', sigma=0.22, mode='scaled'),
    target='noise',
    frozen_slots=('backbone', ))
