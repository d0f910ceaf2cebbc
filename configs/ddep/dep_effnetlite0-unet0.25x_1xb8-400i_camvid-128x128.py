# DeP (METHODS.md 1): as the DDeP config, but without supervised pretraining:
# the encoder starts from random weights and is trained by denoising together
# with the decoder (freeze_encoder=False).
_base_ = ['./ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py']
model = dict(freeze_encoder=False, backbone=dict(pretrained=False))
