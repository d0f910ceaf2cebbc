# DDeP ablation: a noise level gamma ~ U(0, 1] drawn per image instead of the
# fixed gamma = 1 / (1 + 0.22^2).
_base_ = ['./ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py']
model = dict(
    noise=dict(
        _delete_=True, type='GaussianNoise', mode='scaled',
        random_gamma=True))
