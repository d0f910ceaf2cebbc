"""Layer-wise lr decay of a segmentor's ViT backbone."""
import pytest
from mmengine.optim import build_optim_wrapper

from mmssl_seg.registry import MODELS

RATE = 0.5


def _segmentor(backbone):
    return MODELS.build(dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor'),
        backbone=backbone,
        decode_head=dict(type='FCNHead', in_channels=16, channels=8,
                         num_convs=1, num_classes=3)))


def _optim_wrapper(model):
    return build_optim_wrapper(model, dict(
        type='OptimWrapper',
        optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
        constructor='LayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=RATE)))


def test_lr_decays_by_block_depth_and_the_head_keeps_the_base_lr():
    model = _segmentor(dict(
        type='mmpretrain.VisionTransformer',
        arch=dict(embed_dims=16, num_layers=2, num_heads=2,
                  feedforward_channels=32),
        img_size=16, patch_size=8, out_type='featmap'))
    groups = _optim_wrapper(model).optimizer.param_groups
    lr = {g['param_name']: g['lr'] for g in groups}
    assert sorted(lr) == sorted(
        n for n, p in model.named_parameters() if p.requires_grad)
    # depths: 0 stem, 1..2 blocks, 3 (= D - 1) the rest; D = 4
    expected = {'backbone.pos_embed': RATE**3,
                'backbone.cls_token': RATE**3,
                'backbone.patch_embed.projection.weight': RATE**3,
                'backbone.layers.0.attn.qkv.weight': RATE**2,
                'backbone.layers.1.ffn.layers.1.weight': RATE,
                'backbone.ln1.weight': 1.0,
                'decode_head.conv_seg.weight': 1.0}
    assert {k: lr[k] for k in expected} == pytest.approx(expected)


def test_a_backbone_without_layer_depths_is_a_clear_error():
    model = _segmentor(dict(type='ResNetV1c', depth=18, base_channels=2,
                            stem_channels=2, out_indices=(3, )))
    with pytest.raises(ValueError, match='get_layer_depth.*ResNetV1c'):
        _optim_wrapper(model)
