"""ViT with fixed 2-D sin-cos position embeddings.

ViT (Dosovitskiy et al., arXiv:2010.11929) learns its position embedding;
the original Transformer's is a fixed sinusoid, and MAE-style 2-D
embeddings give half of the D channels to the column c and half to the row
r of a patch. With d = D / 4 and omega_k = 10000^(-k / d), k < d::

    PE(r, c) = [sin(c omega), cos(c omega), sin(r omega), cos(r omega)]

and 0 for the class token. The patch tokens are in row-major order.
"""
import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import build_2d_sincos_position_embedding
from torch import Tensor

from mmssl_seg.registry import MODELS


def sincos_pos_embed(grid, embed_dims: int, num_extra_tokens: int) -> Tensor:
    """PE (1, num_extra_tokens + h*w, D) of an (h, w) patch grid.

    mmpretrain's builder lists the tokens column by column (index
    c * h + r); they are reordered row by row here, which matters for
    h != w.
    """
    h, w = grid
    pe = build_2d_sincos_position_embedding((h, w), embed_dims)[0]
    pe = pe.reshape(w, h, embed_dims).transpose(0, 1).reshape(h * w, -1)
    return torch.cat([pe.new_zeros(num_extra_tokens, embed_dims), pe])[None]


@MODELS.register_module()
class ViTSinCos(VisionTransformer):
    """mmpretrain's ``VisionTransformer`` with the fixed PE above.

    Takes the same arguments and has the same parameter names, so
    checkpoints move both ways. ``pos_embed`` stays a parameter, without
    gradient; it is set for the ``img_size`` grid at construction and kept
    when a checkpoint is loaded (the checkpoint's own ``pos_embed``,
    learned or of another grid, is replaced). For other input sizes the
    forward pass interpolates it, as mmpretrain does.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pos_embed.requires_grad_(False)
        self._set_sincos()

    def _set_sincos(self):
        with torch.no_grad():
            self.pos_embed.copy_(
                sincos_pos_embed(self.patch_resolution, self.embed_dims,
                                 self.num_extra_tokens))

    def init_weights(self):
        super().init_weights()
        self._set_sincos()

    def _prepare_pos_embed(self, state_dict, prefix, *args, **kwargs):
        name = prefix + 'pos_embed'
        if name in state_dict:
            state_dict[name] = self.pos_embed.detach().clone()
