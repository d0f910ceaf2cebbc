"""The SIM configs: the CPU pretraining reads real CamVid images as two
views with their geometry and trains a step, the paper-scale one is the
code's recipe and steps on tiny input, the fine-tuning configs and the chain
SIM -> pixel contrast -> CE take the pretrained encoder."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from mmpretrain.structures import DataSample

from mmssl_seg.apis.chain import read_chain
from mmssl_seg.registry import MODELS
from tests.conftest import REPO, seg_batch
from tests.test_gmml_chain import _save, _with_slots

SIM = 'configs/sim/'
CPU = SIM + 'sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py'
PAPER = SIM + 'sim_vit-b16_64xb64-1600e_in1k-224x224.py'
FINETUNE = SIM + ('benchmarks/sim-finetune_vit-tiny6-p8-uperhead_1xb8-400i_'
                  'camvid-176x240.py')
ADE20K = SIM + ('benchmarks/sim-finetune_vit-b16-uperhead_8xb2-160k_ade20k-'
                '512x512.py')
BASELINE = ('configs/gmml/benchmarks/supervised-randinit_vit-tiny6-p8-'
            'uperhead_1xb8-400i_camvid-176x240.py')
CONTRAST = SIM + 'pixelcontrast-single_vit-tiny6-p8-uperhead_1xb8-400i_' \
    'camvid-176x240.py'
CHAIN = ('configs/chains/sim-pixelcontrast-finetune_vit-tiny6-p8-uperhead_'
         '1xb8-400i_camvid-176x240.py')


def _config(path):
    return Config.fromfile(osp.join(REPO, path))


def _step(model, cfg, data):
    MessageHub.get_current_instance().update_info('max_iters', 10)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.backbone.layers[0].attn.qkv.weight.clone()
    patch_embed = model.backbone.patch_embed.projection.weight.clone()
    log = model.train_step(data, optim_wrapper)
    assert set(log) == {'loss', 'loss_global', 'loss_dense'}
    assert all(torch.isfinite(v) for v in log.values())
    assert not torch.equal(before, model.backbone.layers[0].attn.qkv.weight)
    assert torch.equal(patch_embed,
                       model.backbone.patch_embed.projection.weight)


def test_cpu_config_reads_two_camvid_views_with_geometry_and_steps(
        camvid_root):
    cfg = _config(CPU)
    loader_cfg = cfg.train_dataloader
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader_cfg.dataset.data_root = camvid_root
    data = next(iter(Runner.build_dataloader(loader_cfg)))
    assert [tuple(v.shape) for v in data['inputs']] == [(2, 3, 96, 96)] * 2
    for sample in data['data_samples']:
        assert sample.crop_boxes.shape == (2, 4) and len(sample.flips) == 2
        assert (sample.crop_boxes[:, 2:] > 0).all()
    model = MODELS.build(cfg.model)
    assert model.masking.num_masked((12, 12)) == 87  # the paper's 118/196
    assert type(model.backbone).__name__ == 'ViTSinCos'
    _step(model, cfg, data)


def test_paper_config_is_the_codes_vit_b16_recipe_and_steps_on_tiny_input():
    cfg = _config(PAPER)
    model = MODELS.build(cfg.model)
    vit = model.backbone
    assert (vit.embed_dims, vit.num_layers, vit.layers[0].attn.num_heads,
            vit.patch_embed.projection.stride) == (768, 12, 12, (16, 16))
    assert model.masking.num_masked((14, 14)) == 118
    assert (len(model.head.projector) - 1, len(model.head.predictor) - 1) \
        == (2, 4)
    assert cfg.train_cfg.max_epochs == 1600
    assert cfg.train_dataloader.batch_size * 64 == \
        cfg.auto_scale_lr.base_batch_size == 4096
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.betas,
            optimizer.weight_decay) == ('AdamW', 6.25e-5 * 4096 / 256,
                                        (0.9, 0.95), 0.05)
    assert cfg.optim_wrapper.clip_grad.max_norm == 1.0
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        sample = DataSample()
        sample.set_metainfo(dict(crop_boxes=[[0, 0, 100, 100],
                                             [20, 10, 60, 80]],
                                 flips=[False, True]))
        samples.append(sample)
    data = dict(inputs=[torch.randint(0, 256, (2, 3, 48, 48), generator=g,
                                      dtype=torch.uint8) for _ in range(2)],
                data_samples=samples)
    _step(model, cfg, data)


def test_camvid_finetune_takes_the_sim_encoder_and_nothing_else_differs(
        tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    stages = read_chain(FINETUNE)
    assert (stages[0].name, stages[0].config) == ('sim', CPU)
    assert stages[-1].slots == dict(backbone=('sim', 'backbone.'))
    finetune, baseline = _config(FINETUNE), _config(BASELINE)
    for key in ('pretrain_stages', 'slots'):
        finetune.pop(key)
    assert finetune.to_dict() == baseline.to_dict()

    torch.manual_seed(0)
    sim = MODELS.build(_config(CPU).model)
    model = _with_slots(_config(FINETUNE),
                        (_save(sim, tmp_path / 'sim.pth'), 'backbone'))
    received = model.backbone.state_dict()
    assert received['pos_embed'].shape == (1, 1 + 22 * 30, 192)
    for key, value in sim.backbone.state_dict().items():
        if key != 'pos_embed':
            assert torch.equal(received[key], value), key


def test_ade20k_finetune_is_vit_b16_uperhead_from_the_paper_stage(
        monkeypatch):
    monkeypatch.chdir(REPO)
    assert read_chain(ADE20K)[0].config == PAPER
    cfg = _config(ADE20K)
    assert cfg.model.backbone.arch == 'base'
    assert cfg.model.decode_head.in_channels == [768] * 4
    assert cfg.model.neck.embed_dim == 768
    assert cfg.tta_model.type == 'SegTTAModel'  # multi-scale + flip
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.65


def test_chain_sim_then_pixel_contrast_then_ce(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    stages = read_chain(CHAIN)
    assert [(s.name, s.config, s.per_split) for s in stages[:2]] == [
        ('sim', CPU, False), ('contrast', CONTRAST, True)]
    assert stages[1].slots == dict(backbone=('sim', 'backbone.'))
    assert stages[2].slots == dict(
        backbone=('contrast', 'backbone.'), neck=('contrast', 'neck.'),
        decode_head=('contrast', 'decode_head.'))
    # sim -> contrast: the encoder moves, the whole model trains a step
    torch.manual_seed(0)
    sim = MODELS.build(_config(CPU).model)
    cfg = _config(CONTRAST)
    contrast = _with_slots(cfg, (_save(sim, tmp_path / 'sim.pth'),
                                 'backbone'))
    assert torch.equal(contrast.backbone.layers[5].ffn.layers[1].weight,
                       sim.backbone.layers[5].ffn.layers[1].weight)
    optim_wrapper = build_optim_wrapper(contrast, cfg.optim_wrapper)
    neck = contrast.neck.convs[0].conv.weight.clone()
    log = contrast.train_step(seg_batch(size=(64, 96)), optim_wrapper)
    assert torch.isfinite(log['loss'])
    assert not torch.equal(neck, contrast.neck.convs[0].conv.weight)
    # contrast -> CE fine-tuning: encoder, neck and decoder
    ckpt = _save(contrast, tmp_path / 'contrast.pth')
    cfg = _config(CHAIN)
    model = _with_slots(cfg, (ckpt, 'backbone'), (ckpt, 'neck'),
                        (ckpt, 'decode_head'))
    for slot in ('backbone', 'neck'):
        for key, value in getattr(contrast, slot).state_dict().items():
            if key != 'pos_embed':
                assert torch.equal(getattr(model, slot).state_dict()[key],
                                   value), f'{slot}.{key}'
    assert torch.equal(model.decode_head.fpn_bottleneck.conv.weight,
                       contrast.decode_head.fpn_bottleneck.conv.weight)
    log = model.train_step(seg_batch(size=(64, 96)),
                           build_optim_wrapper(model, cfg.optim_wrapper))
    assert torch.isfinite(log['decode.loss_ce'])


def test_dense_only_ablation_drops_the_global_term_and_nothing_else(
        monkeypatch):
    config = SIM + 'sim-denseonly_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py'
    ablation, recipe = _config(config), _config(CPU)
    recipe.merge_from_dict({'model.head.loss.global_weight': 0.})
    assert ablation.to_dict() == recipe.to_dict()
    loss = MODELS.build(ablation.model.head.loss)
    assert (loss.global_weight, loss.dense_weight) == (0., 1.)

    monkeypatch.chdir(REPO)
    finetune = SIM + ('benchmarks/sim-denseonly-finetune_vit-tiny6-p8-'
                      'uperhead_1xb8-400i_camvid-128x160.py')
    assert read_chain(finetune)[0].config == config
    cfg, main = _config(finetune), _config(
        SIM + 'benchmarks/sim-finetune_vit-tiny6-p8-uperhead_1xb8-400i_'
        'camvid-128x160.py')
    for c in (cfg, main):
        c.pop('pretrain_stages')
    assert cfg.to_dict() == main.to_dict()
