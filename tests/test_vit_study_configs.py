"""The ViT study recipe on the U-Net studies' 128x160 crops: fine-tuning
(random init, GMML, SIM) and linear probes that train the classifier alone
on the encoder each chain hands over."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmssl_seg.apis.chain import read_chain
from mmssl_seg.models.segmentors import LinearProbeSegmentor
from mmssl_seg.registry import MODELS
from tests.conftest import REPO, seg_batch

GMML_BENCH = 'configs/gmml/benchmarks/'
SIM_BENCH = 'configs/sim/benchmarks/'
FINETUNE = {
    'random': GMML_BENCH + 'supervised-randinit_vit-tiny6-p8-uperhead_1xb8-'
    '400i_camvid-{}.py',
    'gmml': GMML_BENCH + 'gmml-finetune_vit-tiny6-p8-uperhead_1xb8-400i_'
    'camvid-{}.py',
    'sim': SIM_BENCH + 'sim-finetune_vit-tiny6-p8-uperhead_1xb8-400i_'
    'camvid-{}.py',
}
PROBE = {
    'random': GMML_BENCH + 'supervised-randinit_vit-tiny6-p8-linear_1xb8-'
    '250i_camvid-128x160.py',
    'gmml': GMML_BENCH + 'gmml-linear_vit-tiny6-p8_1xb8-250i_camvid-'
    '128x160.py',
    'sim': SIM_BENCH + 'sim-linear_vit-tiny6-p8_1xb8-250i_camvid-128x160.py',
}
STAGES = {
    'gmml': 'configs/gmml/gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py',
    'sim': 'configs/sim/sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py',
}
UNET = ('configs/supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_'
        'camvid-128x160.py')


def _cfg(path):
    return Config.fromfile(osp.join(REPO, path))


def _without_crop(cfg):
    """The config with everything that names the crop size taken out."""
    cfg = cfg.to_dict()
    for key in ('crop_size', 'train_pipeline', 'train_dataloader'):
        cfg.pop(key)
    cfg['model']['data_preprocessor'].pop('size')
    cfg['model']['backbone'].pop('img_size')
    return cfg


@pytest.mark.parametrize('method', list(FINETUNE))
def test_128x160_finetuning_differs_from_176x240_only_in_the_crop(method):
    small, large = (_cfg(FINETUNE[method].format(size))
                    for size in ('128x160', '176x240'))
    assert small.model.backbone.img_size == small.crop_size == (128, 160)
    assert _without_crop(small) == _without_crop(large)
    unet = _cfg(UNET)  # the same data as the U-Net studies
    assert small.train_pipeline == unet.train_pipeline
    assert small.train_dataloader == unet.train_dataloader


@pytest.mark.parametrize('config', [
    FINETUNE['random'].format('128x160'), FINETUNE['random'].format('176x240'),
    PROBE['random']])
def test_vit_baselines_train_with_the_unet_studies_class_weighted_loss(
        config):
    loss = MODELS.build(_cfg(config).model.decode_head.loss_decode)
    unet_loss = MODELS.build(_cfg(UNET).model.decode_head.loss_decode)
    assert type(loss).__name__ == 'ClassWeightedCrossEntropyLoss'
    assert type(loss) is type(unet_loss)
    assert len(loss.class_weight) == 11
    assert loss.class_weight == unet_loss.class_weight
    assert loss.loss_weight == unet_loss.loss_weight == 1.0


@pytest.mark.parametrize('method', list(PROBE))
def test_probes_read_the_same_encoder_as_the_finetunings(method, monkeypatch):
    monkeypatch.chdir(REPO)
    probe = read_chain(PROBE[method])
    finetune = read_chain(FINETUNE[method].format('128x160'))
    assert [(s.name, s.config) for s in probe[:-1]] == [
        (s.name, s.config) for s in finetune[:-1]]
    if method != 'random':
        assert probe[0].config == STAGES[method]
        assert probe[-1].slots == dict(backbone=(method, 'backbone.'))
    probe_cfg = _cfg(PROBE[method])
    ft_cfg = _cfg(FINETUNE[method].format('128x160'))
    for key in ('train_dataloader', 'val_dataloader', 'data_preprocessor'):
        assert probe_cfg.get(key) == ft_cfg.get(key), key
    backbone = dict(ft_cfg.model.backbone, out_indices=(5, ),
                    drop_path_rate=0.)
    assert probe_cfg.model.backbone == backbone


def test_probe_trains_only_the_classifier_on_the_handed_over_encoder(
        tmp_path):
    torch.manual_seed(0)
    source = MODELS.build(_cfg(PROBE['random']).model)
    path = str(tmp_path / 'encoder.pth')
    torch.save(dict(state_dict=source.state_dict()), path)
    cfg = _cfg(PROBE['random'])
    cfg.model.init_cfg = dict(type='Pretrained', checkpoint=path,
                              prefix='backbone.', slot='backbone')
    torch.manual_seed(1)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert isinstance(model, LinearProbeSegmentor) and not model.with_neck
    for key, value in source.backbone.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[key], value), key
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ['decode_head.conv_seg.weight',
                         'decode_head.conv_seg.bias']
    data = seg_batch(size=(128, 160))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    log = model.train_step(data, build_optim_wrapper(model, cfg.optim_wrapper))
    assert torch.isfinite(log['decode.loss_ce'])
    changed = {k for k, v in model.state_dict().items()
               if not torch.equal(v, before[k])}
    assert changed == {'decode_head.conv_seg.weight',
                       'decode_head.conv_seg.bias'}
    # logits at stride 8, from the last block's tokens
    feats = model.extract_feat(torch.zeros(1, 3, 128, 160))
    assert [f.shape for f in feats] == [(1, 192, 16, 20)]
