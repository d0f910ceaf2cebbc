# DDeP ablation: regress the clean image instead of the noise.
_base_ = ['./ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py']
model = dict(target='image')
