"""Fixed 2-D sin-cos position embeddings for the ViT."""
import math

import pytest
import torch
from mmengine.runner import load_checkpoint
from mmpretrain.models import VisionTransformer

from mmssl_seg.models.backbones import ViTSinCos
from mmssl_seg.registry import MODELS

ARCH = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)


def _slow_pe(h, w, dims):
    """The formula of the module docstring, one number at a time."""
    d = dims // 4
    pe = torch.zeros(1 + h * w, dims)  # the class token's row stays 0
    for r in range(h):
        for c in range(w):
            for k in range(d):
                omega = 10000**(-k / d)
                pe[1 + r * w + c, [k, d + k, 2 * d + k, 3 * d + k]] = \
                    torch.tensor([math.sin(c * omega), math.cos(c * omega),
                                  math.sin(r * omega), math.cos(r * omega)])
    return pe[None]


def _vit(img_size=(12, 20), **kwargs):
    torch.manual_seed(0)
    vit = MODELS.build(dict(type='ViTSinCos', arch=ARCH, img_size=img_size,
                            patch_size=4, **kwargs))
    vit.init_weights()
    return vit


@pytest.mark.parametrize('grid', [(3, 5), (4, 4)])
def test_embedding_is_the_formula_row_major(grid):
    vit = _vit(img_size=(4 * grid[0], 4 * grid[1]))
    assert isinstance(vit, ViTSinCos) and isinstance(vit, VisionTransformer)
    assert torch.allclose(vit.pos_embed, _slow_pe(*grid, 16), atol=1e-6)


def test_embedding_is_not_trained():
    vit = _vit(drop_path_rate=0.)
    before = vit.pos_embed.clone()
    assert not vit.pos_embed.requires_grad
    optim = torch.optim.AdamW(vit.parameters(), lr=0.1, weight_decay=0.5)
    out = vit(torch.randn(2, 3, 12, 20))[-1]
    out.square().mean().backward()
    assert vit.pos_embed.grad is None and vit.cls_token.grad is not None
    optim.step()
    assert torch.equal(vit.pos_embed, before)


def test_checkpoints_move_between_learned_and_fixed(tmp_path):
    # names are mmpretrain's: a learned-PE ViT at 16x16 loads strictly into
    # a sin-cos segmentation encoder at 12x20, which keeps its own PE
    torch.manual_seed(1)
    learned = VisionTransformer(arch=ARCH, img_size=16, patch_size=4,
                                out_type='raw')
    learned.init_weights()
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in
                                learned.state_dict().items()}),
               tmp_path / 'learned.pth')
    seg = MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='ViTSinCos', arch=ARCH, img_size=(12, 20),
                      patch_size=4, out_indices=(1, ), out_type='featmap'),
        decode_head=dict(type='FCNHead', in_channels=16, channels=8,
                         num_convs=1, num_classes=3)))
    seg.init_weights()
    load_checkpoint(seg.backbone, str(tmp_path / 'learned.pth'),
                    revise_keys=[(r'^backbone\.', '')], strict=True)
    for k, v in learned.state_dict().items():
        if k != 'pos_embed':
            assert torch.equal(seg.backbone.state_dict()[k], v), k
    assert torch.allclose(seg.backbone.pos_embed, _slow_pe(3, 5, 16),
                          atol=1e-6)
    # and back: the sin-cos encoder's weights load into mmpretrain's ViT
    result = learned.load_state_dict(
        {k: v for k, v in seg.backbone.state_dict().items()
         if k != 'pos_embed'}, strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (['pos_embed'],
                                                             [])
    assert torch.equal(learned.cls_token, seg.backbone.cls_token)
    logits = seg(torch.randn(1, 3, 12, 20), mode='tensor')
    assert logits.shape == (1, 3, 3, 5)
