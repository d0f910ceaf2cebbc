"""The chain GMML encoder -> DDeP neck and U-Net decoder -> CE fine-tuning
on the CPU ViT: stages, slots, one step of each model, slots that load."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmssl_seg.apis.chain import read_chain
from mmssl_seg.registry import MODELS
from tests.conftest import REPO, seg_batch

GMML = 'configs/gmml/gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py'
DDEP = 'configs/gmml/ddep_vit-tiny6-p8-unet0.25x_1xb8-400i_camvid-128x128.py'
CHAIN = ('configs/chains/gmml-ddep-finetune_vit-tiny6-p8-unet0.25x_1xb8-400i'
         '_camvid-176x240.py')


def _config(path):
    return Config.fromfile(osp.join(REPO, path))


def _save(model, path):
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def _with_slots(cfg, *inits):
    cfg.model.init_cfg = [dict(type='Pretrained', checkpoint=c, prefix=f'{s}.',
                               slot=s) for c, s in inits]
    torch.manual_seed(1)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_chain_stages_and_slots(monkeypatch):
    monkeypatch.chdir(REPO)
    stages = read_chain(CHAIN)
    assert [(s.name, s.config, s.per_split) for s in stages] == [
        ('gmml', GMML, False), ('ddep', DDEP, False),
        (osp.splitext(osp.basename(CHAIN))[0], CHAIN, True)]
    assert stages[0].slots == {}
    assert stages[1].slots == dict(backbone=('gmml', 'backbone.'))
    assert stages[2].slots == dict(backbone=('gmml', 'backbone.'),
                                   neck=('ddep', 'neck.'),
                                   decode_head=('ddep', 'decode_head.'))


def test_ddep_stage_denoises_at_image_resolution_on_a_frozen_vit():
    cfg = _config(DDEP)
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__module__.startswith('mmpretrain.')
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert all(p.requires_grad for p in model.neck.parameters())
    model.init_weights()
    inputs = torch.randn(2, 3, 64, 96)
    out = model.denoise(inputs)
    for key in ('noisy', 'pred_noise', 'denoised'):
        assert out[key].shape == inputs.shape, key
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    neck = model.neck.convs[0].conv.weight.clone()
    vit = model.backbone.layers[0].attn.qkv.weight.clone()
    log = model.train_step(seg_batch(labels=False), optim_wrapper)
    assert torch.isfinite(log['loss_denoise'])
    assert not torch.equal(neck, model.neck.convs[0].conv.weight)
    assert torch.equal(vit, model.backbone.layers[0].attn.qkv.weight)


def test_slots_move_along_the_chain_and_finetuning_steps(tmp_path):
    # gmml -> ddep: the encoder (position embedding 12x12 -> 16x16)
    torch.manual_seed(0)
    gmml = MODELS.build(_config(GMML).model)
    gmml_ckpt = _save(gmml, tmp_path / 'gmml.pth')
    ddep = _with_slots(_config(DDEP), (gmml_ckpt, 'backbone'))
    assert ddep.backbone.pos_embed.shape == (1, 1 + 16 * 16, 192)
    assert torch.equal(ddep.backbone.layers[5].ffn.layers[1].weight,
                       gmml.backbone.layers[5].ffn.layers[1].weight)
    # ddep + gmml -> fine-tuning: encoder, neck and decoder
    ddep_ckpt = _save(ddep, tmp_path / 'ddep.pth')
    cfg = _config(CHAIN)
    model = _with_slots(cfg, (gmml_ckpt, 'backbone'), (ddep_ckpt, 'neck'),
                        (ddep_ckpt, 'decode_head'))
    assert torch.equal(model.backbone.cls_token, gmml.backbone.cls_token)
    for slot in ('neck', 'decode_head'):
        for key, value in getattr(ddep, slot).state_dict().items():
            assert torch.equal(getattr(model, slot).state_dict()[key],
                               value), f'{slot}.{key}'
    assert model(torch.randn(1, 3, 64, 96), mode='tensor').shape == \
        (1, 11, 64, 96)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.decode_head.conv_seg.weight.clone()
    log = model.train_step(seg_batch(), optim_wrapper)
    assert torch.isfinite(log['decode.loss_ce'])
    assert not torch.equal(before, model.decode_head.conv_seg.weight)


@pytest.mark.parametrize('path', [DDEP, CHAIN])
def test_vit_is_mmpretrains(path):
    model = MODELS.build(_config(path).model)
    assert type(model.backbone).__name__ == 'VisionTransformer'
    assert type(model.backbone).__module__.startswith('mmpretrain.')
