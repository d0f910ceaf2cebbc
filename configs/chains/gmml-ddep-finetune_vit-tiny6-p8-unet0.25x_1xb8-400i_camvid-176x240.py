# GMML encoder -> DDeP decoder on top of it -> CE fine-tuning (CPU scale,
# CamVid): the ViT of configs/_base_/models/vit-tiny6-p8_unet.py is
# pretrained by GMML (SiT/GMML, arXiv:2104.03602, arXiv:2205.14986) on the
# train images; DDeP (arXiv:2205.11423) then trains the neck and U-Net
# decoder by denoising on that frozen encoder; fine-tuning takes the
# encoder from GMML and the neck and decoder from DDeP (the classifier
# starts at random), with AdamW and layer-wise lr decay 0.75 for 400
# iterations on 10% of the labels. Both pretraining stages run once.
#   python tools/run_chain.py THIS_CONFIG --work-dir work_dirs/chains
_base_ = [
    '../_base_/models/vit-tiny6-p8_unet.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_vit_layerdecay_400i.py'
]
crop_size = (176, 240)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(fraction=0.1))
pretrain_stages = [
    dict(
        name='gmml',
        config='configs/gmml/gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py'),
    dict(
        name='ddep',
        config='configs/gmml/'
        'ddep_vit-tiny6-p8-unet0.25x_1xb8-400i_camvid-128x128.py',
        slots=dict(backbone='gmml')),
]
slots = dict(backbone='gmml', neck='ddep', decode_head='ddep')
