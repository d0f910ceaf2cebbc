# The colour augmentations of the two views of instance discrimination
# (BYOL, Grill et al., arXiv:2006.07733; MoCo v3; SIM, Tao et al.,
# arXiv:2206.01204): colour jitter (p 0.8), grey (p 0.2), Gaussian blur
# (p 1.0 on view 1, 0.1 on view 2), solarisation (view 2, p 0.2). Each list
# follows a view's geometric transforms.


def colours(blur_prob, solarize_prob):
    return [
        dict(
            type='mmpretrain.RandomApply',
            transforms=[
                dict(
                    type='mmssl_seg.SafeHueColorJitter',
                    brightness=0.4,
                    contrast=0.4,
                    saturation=0.2,
                    hue=0.1)
            ],
            prob=0.8),
        dict(
            type='mmpretrain.RandomGrayscale',
            prob=0.2,
            keep_channels=True,
            channel_weights=(0.114, 0.587, 0.2989)),
        dict(
            type='mmpretrain.GaussianBlur',
            magnitude_range=(0.1, 2.0),
            magnitude_std='inf',
            prob=blur_prob),
        dict(type='mmpretrain.Solarize', thr=128, prob=solarize_prob),
    ]


view1_colours = colours(1.0, 0.0)
view2_colours = colours(0.1, 0.2)
