# Stage 1 at paper scale, batch variant: one loss over the pixels of the batch
# (per GPU: 4 x 65 x 65), 10k of them sampled at random.
_base_ = [
    './pixelcontrast-single_r50-d8-deeplabv3plus_4xb4-300k_voc12-513x513.py'
]
model = dict(head=dict(loss=dict(mode='batch', max_pixels=10000)))
