# Linear read-out of the CPU ViT for segmentation (the linear probe of
# self-supervised learning; e.g. iBOT, Zhou et al., arXiv:2111.07832): the
# frozen encoder's last-block patch tokens (stride 8, after the final norm),
# one trained 1x1 classifier (FCNHead without convs), logits upsampled to
# the labels. LinearProbeSegmentor keeps everything else frozen and in eval
# mode; no neck or decoder, so nothing random sits between the features and
# the classifier.
_base_ = ['./vit-tiny6-p8_uperhead.py']
model = dict(
    type='LinearProbeSegmentor',
    backbone=dict(out_indices=(5, ), drop_path_rate=0.),
    neck=None,
    decode_head=dict(
        _delete_=True,
        type='FCNHead',
        in_channels=192,
        in_index=0,
        channels=192,
        num_convs=0,
        concat_input=False,
        dropout_ratio=0.,
        num_classes=11,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
