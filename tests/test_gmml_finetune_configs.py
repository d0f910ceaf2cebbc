"""Paper-scale GMML fine-tuning: ViT-S/16 + UPerNet on ADE20K and Pascal
Context, built, stepped on tiny input, fed by the paper-scale GMML stage."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmssl_seg.apis.chain import read_chain
from mmssl_seg.registry import MODELS
from tests.conftest import REPO, seg_batch

BENCH = 'configs/gmml/benchmarks/'
ADE = BENCH + 'gmml-finetune_vit-s16-uperhead_8xb2-160k_ade20k-512x512.py'
PASCAL = BENCH + ('gmml-finetune_vit-s16-uperhead_8xb2-80k_pascal-context-59-'
                  '512x512.py')
PRETRAIN = 'configs/gmml/gmml_vit-s16_8xb64-800e_in1k-224x224.py'
CLASSES = {ADE: 150, PASCAL: 59}


def _config(path):
    return Config.fromfile(osp.join(REPO, path))


@pytest.fixture(scope='module')
def gmml_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = MODELS.build(_config(PRETRAIN).model)
    path = str(tmp_path_factory.mktemp('gmml') / 'gmml.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return model.backbone.state_dict(), path


@pytest.mark.parametrize('path', [ADE, PASCAL])
def test_recipe(path, monkeypatch):
    monkeypatch.chdir(REPO)
    stages = read_chain(path)
    assert [(s.name, s.config) for s in stages[:-1]] == [('gmml', PRETRAIN)]
    assert stages[-1].slots == dict(backbone=('gmml', 'backbone.'))
    cfg = _config(path)
    crop = [t for t in cfg.train_pipeline if t.type == 'RandomCrop'][0]
    assert crop.crop_size == (512, 512)
    assert cfg.train_dataloader.batch_size == 2  # x 8 GPUs
    assert cfg.model.test_cfg == dict(mode='slide', crop_size=(512, 512),
                                      stride=(341, 341))
    resize, flip = cfg.tta_pipeline[1].transforms[:2]
    assert len(resize) == 6 and len(flip) == 2
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay) == \
        ('AdamW', 1e-4, 0.05)
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__module__.startswith('mmpretrain.')
    vit = model.backbone
    assert (vit.embed_dims, vit.num_layers, vit.layers[0].attn.num_heads,
            vit.patch_embed.projection.stride) == (384, 12, 6, (16, 16))
    assert model.decode_head.num_classes == CLASSES[path]
    assert model.auxiliary_head.num_classes == CLASSES[path]
    lr = {g['param_name']: g['lr'] for g in build_optim_wrapper(
        model, cfg.optim_wrapper).param_groups if 'param_name' in g}
    # BEiT: depth 0 (patch embedding) of 14 gets 0.65^13, the head 0.65^0
    assert lr['backbone.patch_embed.projection.weight'] == \
        pytest.approx(1e-4 * 0.65**13)
    assert lr['backbone.layers.11.attn.qkv.weight'] == \
        pytest.approx(1e-4 * 0.65)
    assert lr['decode_head.conv_seg.weight'] == pytest.approx(1e-4)


@pytest.mark.parametrize('path', [ADE, PASCAL])
def test_gmml_encoder_arrives_and_a_step_on_tiny_input(path, gmml_checkpoint):
    backbone, ckpt = gmml_checkpoint
    cfg = _config(path)
    cfg.model.init_cfg = dict(type='Pretrained', checkpoint=ckpt,
                              prefix='backbone.', slot='backbone')
    cfg.model.data_preprocessor.size = (64, 64)
    model = MODELS.build(cfg.model)
    model.init_weights()
    received = model.backbone.state_dict()
    assert received['pos_embed'].shape == (1, 1 + 32 * 32, 384)
    for key, value in backbone.items():
        if key != 'pos_embed':
            assert torch.equal(received[key], value), key
    data = seg_batch(size=(64, 64), num_classes=CLASSES[path])
    before = model.backbone.layers[0].attn.qkv.weight.clone()
    log = model.train_step(data, build_optim_wrapper(model,
                                                     cfg.optim_wrapper))
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(log)
    assert all(torch.isfinite(v) for v in log.values())
    assert not torch.equal(before, model.backbone.layers[0].attn.qkv.weight)
