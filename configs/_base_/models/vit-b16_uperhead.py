# ViT-B/16 (Dosovitskiy et al., arXiv:2010.11929; mmpretrain's arch 'base':
# 768-d, 12 blocks, 12 heads) + UPerNet for 512x512 crops, laid out as
# vit-s16_uperhead.py (BEiT/MAE: blocks 4, 6, 8 and 12 through
# Feature2Pyramid to strides 4-32, UPerHead, FCN auxiliary head); UPerHead
# has 768 channels, MAE's ViT-B value.
_base_ = ['./vit-s16_uperhead.py']
embed_dims = 768
model = dict(
    backbone=dict(arch='base'),
    neck=dict(embed_dim=embed_dims),
    decode_head=dict(in_channels=[embed_dims] * 4, channels=768),
    auxiliary_head=dict(in_channels=embed_dims))
