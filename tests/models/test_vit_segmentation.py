"""mmpretrain's ViT as a segmentation encoder: built from the scoped type,
multi-level features into mmseg heads, and checkpoints with another grid."""
import os.path as osp

import torch
from mmengine.config import Config
from mmpretrain.models.backbones import \
    VisionTransformer as PretrainViT
from mmpretrain.models.utils import resize_pos_embed
from mmseg.models.backbones import VisionTransformer as SegViT

from mmssl_seg.registry import MODELS
from tests.conftest import REPO

BASE = osp.join(REPO, 'configs', '_base_', 'models',
                'vit-tiny6-p8_uperhead.py')
TINY_ARCH = dict(
    embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)


def _segmentor(img_size, init_cfg=None):
    cfg = Config.fromfile(BASE).model
    cfg.backbone.update(arch=TINY_ARCH, img_size=img_size,
                        out_indices=(0, 1), init_cfg=init_cfg)
    cfg.neck.update(in_channels=[16, 16], out_channels=16, scales=[2, 0.5])
    cfg.decode_head.update(in_channels=[16, 16], in_index=[0, 1],
                           channels=8)
    return MODELS.build(cfg)


def test_base_config_builds_mmpretrains_vit_into_an_uperhead_segmentor():
    model = MODELS.build(Config.fromfile(BASE).model)
    assert isinstance(model.backbone, PretrainViT)
    assert not isinstance(model.backbone, SegViT)
    # the prefix matters: the bare name is mmseg's class in this scope
    bare = MODELS.build(dict(type='VisionTransformer', img_size=32,
                             patch_size=8, num_layers=1, embed_dims=16,
                             num_heads=2))
    assert isinstance(bare, SegViT)
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 64, 96))
        logits = model(torch.randn(1, 3, 64, 96))
    assert [tuple(f.shape[2:]) for f in feats] == \
        [(16, 24), (8, 12), (4, 6), (2, 3)]  # strides 4, 8, 16, 32
    assert logits.shape == (1, 11, 16, 24)


def test_vit_checkpoint_arrives_with_a_resized_position_embedding(tmp_path):
    source = _segmentor(img_size=32)  # 4x4 patches
    state = {f'backbone.{k}': v + torch.randn_like(v)
             for k, v in source.backbone.state_dict().items()}
    path = str(tmp_path / 'vit.pth')
    torch.save(dict(state_dict=state), path)
    model = _segmentor(
        img_size=48,  # 6x6 patches
        init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    model.init_weights()
    own = model.backbone.state_dict()
    assert own['pos_embed'].shape == (1, 1 + 36, 16)
    expected = resize_pos_embed(state['backbone.pos_embed'], (4, 4), (6, 6),
                                'bicubic', 1)
    torch.testing.assert_close(own['pos_embed'], expected)
    for key, value in own.items():
        if key != 'pos_embed':
            assert torch.equal(value, state[f'backbone.{key}']), key
