# DDeP's TransUNet (Brempong et al., arXiv:2205.11423; TransUNet: Chen et
# al., arXiv:2102.04306): the hybrid encoder (ResNet-50 with StdConv
# + GroupNorm, stages (3, 4, 9), feeding a ViT-B/16 on the 1/16 grid) and a
# U-Net decoder with 1x block widths [1024, 512, 256, 128, 64]: the 1024 block
# is a conv at 1/16 (TransUNet's "conv_more"), the others upsample to 1/8,
# 1/4, 1/2 (with the CNN skips) and 1/1. Configs set width_multiplier 1, 2, 3.
# The encoder's supervised ImageNet-21k weights (the paper's starting point)
# are loaded through init_cfg from a converted checkpoint; converting Google's
# R50+ViT-B_16.npz is not part of this toolbox.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.5, 127.5, 127.5],  # the ViT-B/16 checkpoints' [-1, 1] range
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='TransUNetEncoder',
        img_size=224,
        embed_dims=768,
        num_layers=12,
        num_heads=12,
        drop_rate=0.1,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/transunet_r50-vitb16_in21k.pth')),
    decode_head=dict(
        type='UNetHead',
        in_channels=[64, 256, 512, 768],
        in_index=[0, 1, 2, 3],
        block_widths=[1024, 512, 256, 128, 64],
        width_multiplier=1,
        bottleneck=True,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
