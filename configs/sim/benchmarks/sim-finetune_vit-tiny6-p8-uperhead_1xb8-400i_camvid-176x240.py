# SIM fine-tuning: the random-init ViT baseline's model and schedule
# (configs/gmml/benchmarks/supervised-randinit_*.py), with the encoder of
# the SIM stage (pretrained on the CamVid train images without labels,
# 96x96 views; its position embedding is resized from 12x12 to the 22x30
# patches of 176x240 on load). The neck, UPerHead and classifier start at
# random; the GMML fine-tuning differs only in its stage.
_base_ = [
    '../../gmml/benchmarks/'
    'supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-176x240.py'
]
pretrain_stages = [
    dict(
        name='sim',
        config='configs/sim/sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
slots = dict(backbone='sim')
