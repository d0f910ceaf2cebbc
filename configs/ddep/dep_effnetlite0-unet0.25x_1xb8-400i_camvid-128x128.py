# DeP (Brempong et al., arXiv:2205.11423): as the DDeP config, but without
# supervised pretraining: the encoder starts from random weights and is trained
# by denoising together with the decoder (frozen_slots=()).
_base_ = ['./ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py']
model = dict(frozen_slots=(), backbone=dict(pretrained=False))
