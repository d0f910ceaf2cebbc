# Linear probe of the SIM encoder: the random-init probe with the encoder of
# the SIM stage.
_base_ = [
    '../../gmml/benchmarks/'
    'supervised-randinit_vit-tiny6-p8-linear_1xb8-250i_camvid-128x160.py'
]
pretrain_stages = [
    dict(
        name='sim',
        config='configs/sim/sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
slots = dict(backbone='sim')
