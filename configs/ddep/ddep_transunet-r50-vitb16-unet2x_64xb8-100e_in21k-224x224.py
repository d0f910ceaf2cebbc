# Paper-scale DDeP pretraining with the 2x decoder (the paper's Cityscapes
# model): as the 1x config, with lr 1e-4.
_base_ = ['./ddep_transunet-r50-vitb16-unet1x_64xb8-100e_in21k-224x224.py']
model = dict(decode_head=dict(width_multiplier=2))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
