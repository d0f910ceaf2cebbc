# Linear probe of the GMML encoder: the random-init probe with the encoder
# of the GMML stage.
_base_ = [
    './supervised-randinit_vit-tiny6-p8-linear_1xb8-250i_camvid-128x160.py'
]
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
slots = dict(backbone='gmml')
