# DDeP ablation: simple additive noise x + sigma * eps (sigma = 0.22) instead
# of the scaled sqrt(gamma) * x + sqrt(1 - gamma) * eps.
_base_ = ['./ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py']
model = dict(noise=dict(mode='additive'))
