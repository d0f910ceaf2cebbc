# SIM fine-tuning on the study crops: the 128x160 random-init baseline with
# the encoder of the SIM stage (its 12x12 position embedding resized to the
# 16x20 patches of 128x160 on load).
_base_ = [
    '../../gmml/benchmarks/'
    'supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-128x160.py'
]
pretrain_stages = [
    dict(
        name='sim',
        config='configs/sim/sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
slots = dict(backbone='sim')
