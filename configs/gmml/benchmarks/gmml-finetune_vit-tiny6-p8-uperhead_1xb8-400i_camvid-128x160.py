# GMML fine-tuning on the study crops: the 128x160 random-init baseline with
# the encoder of the GMML stage (its 12x12 position embedding resized to the
# 16x20 patches of 128x160 on load).
_base_ = [
    './supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-128x160.py'
]
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
slots = dict(backbone='gmml')
