# SIM encoder -> pixel contrast on the whole model -> CE fine-tuning (CPU
# scale, CamVid): the ViT of configs/_base_/models/vit-tiny6-p8_uperhead.py
# is pretrained by SIM (arXiv:2206.01204) on the train images (labels
# unused, once); label-based pixel contrast (arXiv:2012.06985) then trains
# encoder, neck and UPerHead on the labelled split, starting from the SIM
# encoder; cross-entropy fine-tuning at that split starts from the
# contrastive encoder, neck and decoder (the classifier at random), with
# AdamW and layer-wise lr decay 0.75 for 400 iterations on 10% of the
# labels.
#   python tools/run_chain.py THIS_CONFIG --work-dir work_dirs/chains
_base_ = [
    '../gmml/benchmarks/'
    'supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-176x240.py'
]
pretrain_stages = [
    dict(
        name='sim',
        config='configs/sim/sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py'),
    dict(
        name='contrast',
        config='configs/sim/pixelcontrast-single_vit-tiny6-p8-uperhead_'
        '1xb8-400i_camvid-176x240.py',
        per_split=True,
        slots=dict(backbone='sim')),
]
slots = dict(backbone='contrast', neck='contrast', decode_head='contrast')
