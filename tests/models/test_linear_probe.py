"""The linear probe trains the classifier and nothing else."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmssl_seg.apis import ChainRunner
from mmssl_seg.registry import MODELS
from tests.conftest import REPO
from tests.tiny_denoising import BACKBONE, HEAD, PREPROCESSOR


def _batch():
    gen = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        labels = torch.randint(0, 5, (1, 32, 32), generator=gen)
        samples.append(SegDataSample(
            gt_sem_seg=PixelData(data=labels),
            metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32))))
    inputs = [torch.randint(0, 256, (3, 32, 32), generator=gen,
                            dtype=torch.uint8) for _ in range(2)]
    return dict(inputs=inputs, data_samples=samples)


def test_only_the_classifier_changes_in_a_step():
    model = MODELS.build(dict(
        type='LinearProbeSegmentor', data_preprocessor=PREPROCESSOR,
        backbone=BACKBONE, decode_head=dict(HEAD, num_classes=5,
                                            dropout_ratio=0.5)))
    model.init_weights()
    model.train()
    assert model.decode_head.conv_seg.training
    assert not model.backbone.training and not model.decode_head.training
    before = copy.deepcopy(model.state_dict())
    wrapper = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=1.0))
    log = model.train_step(_batch(), wrapper)
    assert torch.isfinite(log['decode.loss_ce'])
    after = model.state_dict()
    changed = {k for k in after if not torch.equal(after[k], before[k])}
    # weights and BN statistics of everything else stay as loaded
    assert changed == {'decode_head.conv_seg.weight',
                       'decode_head.conv_seg.bias'}
    assert [n for n, p in model.named_parameters() if p.requires_grad] == [
        'decode_head.conv_seg.weight', 'decode_head.conv_seg.bias']


def test_auxiliary_head_is_refused():
    with pytest.raises(ValueError, match='auxiliary_head'):
        MODELS.build(dict(
            type='LinearProbeSegmentor', data_preprocessor=PREPROCESSOR,
            backbone=BACKBONE, decode_head=dict(HEAD, num_classes=5),
            auxiliary_head=dict(HEAD, num_classes=5)))


def test_chain_runner_reads_out_the_last_stage_with_the_probe(
        tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    config = ('configs/ddep/benchmarks/ddep-finetune_effnetlite0-unet0.25x_'
              '1xb8-250i_camvid-128x160.py')
    runner = ChainRunner(config, str(tmp_path), '0.1', 0, probe=True)
    assert runner._stage_cfg(runner.chain[-1]).model.type == \
        'LinearProbeSegmentor'
    # the pretraining stage is trained as it is
    assert runner._stage_cfg(runner.chain[0]).model.type == \
        'DenoisingPretrainer'
    fine_tuned = ChainRunner(config, str(tmp_path), '0.1', 0)
    assert fine_tuned._prepare(fine_tuned.chain[0]).key == \
        runner._prepare(runner.chain[0]).key
