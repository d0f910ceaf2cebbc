# Stage 1 (CPU scale), batch variant: one contrastive loss over the pixels of
# the whole batch (8 x 22 x 30 = 5280, under the 10k sampling cap).
_base_ = [
    './pixelcontrast-single_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py'
]
model = dict(head=dict(loss=dict(mode='batch', max_pixels=10000)))
