import subprocess
import sys

import torch
import torch.nn as nn
from mmengine.registry import DefaultScope
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODELS as MMSEG_MODELS

from mmssl_seg import registry
from tests.conftest import REPO


def test_every_runner_registry_is_a_child_of_mmseg():
    from mmseg import registry as mmseg_registry
    names = mmseg_registry.__all__
    assert len(names) == 21
    for name in names:
        ours = getattr(registry, name)
        assert ours.scope == 'mmssl_seg', name
        assert ours.parent is getattr(mmseg_registry, name), name


def test_default_scope_and_parent_lookup():
    assert DefaultScope.get_current_instance().scope_name == 'mmssl_seg'
    # mmseg's EncoderDecoder is found through the parent registry
    assert registry.MODELS.get('EncoderDecoder') is MMSEG_MODELS.get(
        'EncoderDecoder')


def test_metrics_are_mmsegs_found_through_the_parent():
    # a fresh process, where nothing has imported mmseg.evaluation yet: the
    # lookup imports it from the registries' location
    code = ('import sys\n'
            'from mmssl_seg.registry import EVALUATOR, METRICS\n'
            "assert 'mmseg.evaluation' not in sys.modules\n"
            "assert METRICS.get('IoUMetric').__module__.startswith('mmseg.')\n"
            "assert EVALUATOR.get('Evaluator') is not None\n")
    run = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert registry.METRICS.get('IoUMetric') is MMSEG_METRICS.get('IoUMetric')


def test_mmpretrain_components_by_scope_prefix():
    vit = registry.MODELS.build(
        dict(type='mmpretrain.VisionTransformer', arch='deit-tiny',
             img_size=32, patch_size=16))
    assert type(vit).__module__.startswith('mmpretrain.')
    out = vit(torch.zeros(1, 3, 32, 32))
    assert out[-1].shape[-1] == 192


def test_decorator_registers_a_new_component_usable_from_config():

    @registry.MODELS.register_module(name='ConstantTestHead', force=True)
    class ConstantTestHead(BaseDecodeHead):
        """A head that predicts class 1 everywhere."""

        def forward(self, inputs):
            x = inputs[-1]
            logits = torch.zeros(x.shape[0], self.num_classes, *x.shape[2:])
            logits[:, 1] = 1.0
            return logits + 0 * self.conv_seg.weight.sum()

    model = registry.MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor'),
            backbone=dict(type='ResNetV1c', depth=18, base_channels=8,
                          stem_channels=8),
            decode_head=dict(type='ConstantTestHead', in_channels=64,
                             channels=4, num_classes=3),
            test_cfg=dict(mode='whole')))
    assert isinstance(model.decode_head, ConstantTestHead)
    model.eval()
    with torch.no_grad():
        logits = model(torch.zeros(1, 3, 32, 32), mode='tensor')
    assert logits.argmax(1).eq(1).all()
    assert isinstance(model.decode_head.conv_seg, nn.Conv2d)
