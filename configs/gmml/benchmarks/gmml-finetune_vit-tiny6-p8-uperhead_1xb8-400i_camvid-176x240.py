# GMML fine-tuning: the random-init baseline's model and schedule, with the
# encoder of the GMML stage (pretrained on the CamVid train images without
# labels, 96x96 views; its position embedding is resized from 12x12 to the
# 22x30 patches of 176x240 on load). The neck, UPerHead and classifier start
# at random. The stage runs once for all label splits (tools/run_chain.py,
# tools/label_efficiency.py).
_base_ = [
    './supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-176x240.py'
]
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
]
slots = dict(backbone='gmml')
