# Paper-scale DDeP pretraining with the 3x decoder (the paper's ADE20K and
# Pascal Context model): as the 1x config (lr 6e-5).
_base_ = ['./ddep_transunet-r50-vitb16-unet1x_64xb8-100e_in21k-224x224.py']
model = dict(decode_head=dict(width_multiplier=3))
