# DDeP pretraining model for effnetlite0_unet.py: the same backbone and
# decode_head (so the state-dict keys match the fine-tuning EncoderDecoder)
# inside a DenoisingPretrainer. Scaled noise, sigma = 0.22, noise target,
# frozen ImageNet encoder (Brempong et al., arXiv:2205.11423). The pretext head
# predicts the noise's 3 channels; the decoder's classifier is not part of
# pretraining.
_base_ = ['./effnetlite0_unet.py']
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
