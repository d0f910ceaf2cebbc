# Stage 1, batch variant: one contrastive loss over the pixels of the whole
# batch (8 x 16 x 20 = 2560, under the 10k sampling cap).
_base_ = [
    './pixelcontrast-single_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py'
]
model = dict(head=dict(loss=dict(mode='batch', max_pixels=10000)))
