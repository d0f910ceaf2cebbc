# DDeP pretraining model for effnetlite0_unet.py: the same backbone and
# decode_head (so the state-dict keys match the fine-tuning EncoderDecoder)
# inside a DenoisingPretrainer. Scaled noise, sigma = 0.22, noise target,
# frozen ImageNet encoder (METHODS.md 1). The head's num_classes is set to 3
# (image channels) by the config that uses this file.
_base_ = ['./effnetlite0_unet.py']
model = dict(
    _delete_=True,
    type='DenoisingPretrainer',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head={{_base_.model.decode_head}},
    noise=dict(type='GaussianNoise', sigma=0.22, mode='scaled'),
    target='noise',
    freeze_encoder=True)
