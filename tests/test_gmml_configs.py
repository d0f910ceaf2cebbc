"""The GMML configs: the CPU pretraining reads CamVid images as two views and
trains a step, the paper-scale one steps on tiny input, and the fine-tuning
chain takes the pretrained encoder."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from mmpretrain.structures import DataSample

from mmssl_seg.apis.chain import read_chain
from mmssl_seg.registry import MODELS
from tests.conftest import REPO

GMML = osp.join(REPO, 'configs', 'gmml')
CPU = osp.join(GMML, 'gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
PAPER = osp.join(GMML, 'gmml_vit-s16_8xb64-800e_in1k-224x224.py')
BENCH = osp.join(GMML, 'benchmarks')
BASELINE = osp.join(
    BENCH, 'supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-'
    '176x240.py')
FINETUNE = osp.join(
    BENCH, 'gmml-finetune_vit-tiny6-p8-uperhead_1xb8-400i_camvid-176x240.py')


@pytest.fixture(autouse=True)
def max_iters():
    """CosineEMA reads the run length from the message hub."""
    MessageHub.get_current_instance().update_info('max_iters', 10)


def _step(model, cfg, data):
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.backbone.layers[0].attn.qkv.weight.clone()
    log = model.train_step(data, optim_wrapper)
    assert set(log) == {'loss', 'loss_recons', 'loss_contrast'}
    assert all(torch.isfinite(v) for v in log.values())
    assert not torch.equal(before, model.backbone.layers[0].attn.qkv.weight)


def test_cpu_config_reads_two_views_and_trains_a_step(fake_camvid):
    cfg = Config.fromfile(CPU)
    loader_cfg = cfg.train_dataloader
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader_cfg.dataset.data_root = fake_camvid
    data = next(iter(Runner.build_dataloader(loader_cfg)))
    assert [tuple(v.shape) for v in data['inputs']] == [(2, 3, 96, 96)] * 2
    assert data['inputs'][0].dtype == torch.uint8
    model = MODELS.build(cfg.model)
    assert (model.alpha, model.corruption.types) == (5., ['noise', 'replace'])
    _step(model, cfg, data)


def test_paper_config_is_vit_s16_and_steps_on_tiny_input():
    cfg = Config.fromfile(PAPER)
    model = MODELS.build(cfg.model)
    vit = model.backbone
    assert (vit.embed_dims, vit.num_layers, vit.layers[0].attn.num_heads,
            vit.patch_embed.projection.stride) == (384, 12, 6, (16, 16))
    assert 20e6 < sum(p.numel() for p in vit.parameters()) < 23e6
    assert cfg.train_dataloader.batch_size == 64
    assert cfg.train_cfg.max_epochs == 800
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay) == \
        ('AdamW', 5e-4 * 512 / 256, 0.05)
    g = torch.Generator().manual_seed(0)
    data = dict(inputs=[torch.randint(0, 256, (2, 3, 32, 32), generator=g,
                                      dtype=torch.uint8) for _ in range(2)],
                data_samples=[DataSample(), DataSample()])
    _step(model, cfg, data)


def test_finetune_takes_the_gmml_encoder_and_differs_from_the_baseline_only_there(  # noqa: E501
        tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    stages = read_chain(FINETUNE)
    assert [s.name for s in stages][0] == 'gmml'
    assert stages[0].config == osp.relpath(CPU, REPO)
    assert stages[-1].slots == dict(backbone=('gmml', 'backbone.'))
    finetune, baseline = Config.fromfile(FINETUNE), Config.fromfile(BASELINE)
    for key in ('pretrain_stages', 'slots'):
        finetune.pop(key)
    assert finetune.to_dict() == baseline.to_dict()

    torch.manual_seed(0)
    gmml = MODELS.build(Config.fromfile(CPU).model)
    path = str(tmp_path / 'gmml.pth')
    torch.save(dict(state_dict=gmml.state_dict()), path)
    model_cfg = Config.fromfile(FINETUNE).model
    model_cfg.init_cfg = dict(type='Pretrained', checkpoint=path,
                              prefix='backbone.', slot='backbone')
    segmentor = MODELS.build(model_cfg)
    segmentor.init_weights()
    received = segmentor.backbone.state_dict()
    assert received['pos_embed'].shape == (1, 1 + 22 * 30, 192)
    for key, value in gmml.backbone.state_dict().items():
        if key != 'pos_embed':
            assert torch.equal(received[key], value), key


def test_finetune_schedule_decays_the_lr_by_block():
    cfg = Config.fromfile(BASELINE)
    model = MODELS.build(cfg.model)
    groups = [g for g in build_optim_wrapper(model, cfg.optim_wrapper)
              .param_groups if 'param_name' in g]  # not mmengine's base lr
    lr = {g['param_name']: g['lr'] for g in groups}
    base = cfg.optim_wrapper.optimizer.lr
    assert lr['backbone.patch_embed.projection.weight'] == \
        pytest.approx(base * 0.75**7)
    assert lr['backbone.layers.5.attn.qkv.weight'] == \
        pytest.approx(base * 0.75)
    assert lr['decode_head.conv_seg.weight'] == pytest.approx(base)
    decay = {g['param_name']: g['weight_decay'] for g in groups}
    assert decay['backbone.pos_embed'] == 0.
    assert decay['backbone.layers.0.attn.qkv.weight'] == 0.05


ABLATIONS = {  # name: (the one model setting that differs, losses)
    'recononly': (dict(contrastive_head=None), {'loss', 'loss_recons'}),
    'contronly': (dict(head=None), {'loss', 'loss_contrast'}),
    'zeros': (dict(corruption=dict(types='zeros')),
              {'loss', 'loss_recons', 'loss_contrast'}),
    'aligned': (dict(corruption=dict(align_to_patch=True)),
                {'loss', 'loss_recons', 'loss_contrast'}),
}


@pytest.mark.parametrize('name', list(ABLATIONS))
def test_ablations_change_one_setting_and_their_finetunings_only_the_stage(
        name, monkeypatch):
    change, losses = ABLATIONS[name]
    config = osp.join(GMML, f'gmml-{name}_vit-tiny6-p8_1xb8-2000i_camvid-'
                      '96x96.py')
    ablation, recipe = Config.fromfile(config), Config.fromfile(CPU)
    recipe.merge_from_dict(dict(model=change))
    if name == 'contronly':  # no reconstruction to draw
        recipe.custom_hooks = []
    assert ablation.to_dict() == recipe.to_dict()

    torch.manual_seed(0)
    model = MODELS.build(ablation.model)
    g = torch.Generator().manual_seed(0)
    data = dict(inputs=[torch.randint(0, 256, (2, 3, 32, 32), generator=g,
                                      dtype=torch.uint8) for _ in range(2)],
                data_samples=[DataSample(), DataSample()])
    log = model.train_step(
        data, build_optim_wrapper(model, ablation.optim_wrapper))
    assert set(log) == losses
    assert all(torch.isfinite(v) for v in log.values())

    monkeypatch.chdir(REPO)
    finetune = osp.join(
        BENCH, f'gmml-{name}-finetune_vit-tiny6-p8-uperhead_1xb8-400i_'
        'camvid-128x160.py')
    stages = read_chain(finetune)
    assert stages[0].config == osp.relpath(config, REPO)
    main = Config.fromfile(osp.join(
        BENCH, 'gmml-finetune_vit-tiny6-p8-uperhead_1xb8-400i_camvid-'
        '128x160.py'))
    cfg = Config.fromfile(finetune)
    for c in (cfg, main):
        c.pop('pretrain_stages')
    assert cfg.to_dict() == main.to_dict()
