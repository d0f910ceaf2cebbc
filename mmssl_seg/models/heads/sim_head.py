"""SIM's projector, predictor and loss (Tao et al., arXiv:2206.01204).

Both branches project encoder tokens z to the decoder width with the
projector P (a linear layer, then transformer blocks with BatchNorm). The
online branch's predictor G gets the projected class and visible tokens of
view a, each plus the embedding of its own grid position, and one mask token
per patch of view b, plus the embedding of that patch's position (and the
scale change) in view a's frame::

    y_b = G([P(z_a)_cls, P(z_a)_vis + E(pos_vis, 0), m + E(pos_b, s)])[-N:]
    t_b = LN(P'(z'_b))[patches]        (momentum branch, no gradient)
    L = UniGrad(y_b, t_b)

with LN a LayerNorm without affine parameters and E the
:class:`RelativePositionEmbedding`. A mask token standing for a view-b patch
that view a sees carries the same embedding as that visible token.
"""
from typing import Dict

import torch
from mmengine.model import BaseModule
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from torch import Tensor, nn

from mmssl_seg.registry import MODELS
from ..utils import RelativePositionEmbedding


class TokenBatchNorm(nn.BatchNorm1d):
    """BatchNorm over the channels of tokens (B, N, C), in float32."""

    def forward(self, x: Tensor) -> Tensor:
        out = super().forward(x.float().transpose(1, 2)).transpose(1, 2)
        return out.to(x.dtype)


def bn_transformer_blocks(depth: int, embed_dims: int, num_heads: int,
                          mlp_ratio: float) -> nn.Sequential:
    """ViT blocks whose two LayerNorms are :class:`TokenBatchNorm` (the SIM
    code's projector and predictor)."""
    blocks = []
    for _ in range(depth):
        block = TransformerEncoderLayer(embed_dims, num_heads,
                                        int(mlp_ratio * embed_dims))
        block.ln1 = TokenBatchNorm(embed_dims)
        block.ln2 = TokenBatchNorm(embed_dims)
        blocks.append(block)
    return nn.Sequential(*blocks)


class SIMProjector(nn.Sequential):
    """P: Linear(in_channels, embed_dims), then ``depth`` BN blocks."""

    def __init__(self, in_channels: int, embed_dims: int, depth: int,
                 num_heads: int, mlp_ratio: float):
        super().__init__(
            nn.Linear(in_channels, embed_dims),
            *bn_transformer_blocks(depth, embed_dims, num_heads, mlp_ratio))


@MODELS.register_module()
class SIMHead(BaseModule):
    """Projector, predictor and UniGrad loss of SIM (module docstring).

    Args:
        in_channels (int): Width D of the encoder tokens.
        embed_dims (int): Decoder width (768 for ViT-B in the paper).
        projector_depth (int): BN blocks of the projector. Defaults to 2.
        predictor_depth (int): BN blocks of the predictor. Defaults to 4.
        num_heads (int): Attention heads of those blocks.
        mlp_ratio (float): Hidden width of their MLPs. Defaults to 4.
        scale_factor (float): Multiplies log(h_b/h_a), log(w_b/w_a) in the
            position embedding (10 in the code).
        loss (dict): :class:`UniGradLoss`.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int,
                 num_heads: int,
                 projector_depth: int = 2,
                 predictor_depth: int = 4,
                 mlp_ratio: float = 4.,
                 scale_factor: float = 10.,
                 loss: dict = dict(type='UniGradLoss'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.projector = SIMProjector(in_channels, embed_dims,
                                      projector_depth, num_heads, mlp_ratio)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.position_embed = RelativePositionEmbedding(
            embed_dims, scale_factor=scale_factor)
        self.predictor = nn.Sequential(
            *bn_transformer_blocks(predictor_depth, embed_dims, num_heads,
                                   mlp_ratio),
            nn.Linear(embed_dims, embed_dims))
        self.loss_module = MODELS.build(loss)

    def init_weights(self):
        super().init_weights()
        nn.init.normal_(self.mask_token, std=.02)

    def predict_tokens(self, visible: Tensor, num_extra_tokens: int,
                       visible_pos: Tensor, target_pos: Tensor,
                       log_scale: Tensor) -> Tensor:
        """y_b (B, N, embed_dims) from the encoder tokens ``visible`` (B,
        extra + V, D) of view a at grid positions ``visible_pos`` (B, V, 2)
        and the positions ``target_pos`` (B, N, 2) and ``log_scale`` (B, 2)
        of view b's patches in view a's frame."""
        tokens = self.projector(visible)
        extra, patches = tokens.split(
            [num_extra_tokens, tokens.shape[1] - num_extra_tokens], dim=1)
        patches = patches + self.position_embed(
            visible_pos, log_scale.new_zeros(log_scale.shape))
        masked = self.mask_token + self.position_embed(target_pos, log_scale)
        out = self.predictor(torch.cat([extra, patches, masked], dim=1))
        return out[:, -target_pos.shape[1]:]

    def loss(self, pred: Tensor, target: Tensor) -> Dict[str, Tensor]:
        """UniGrad's terms, named for the log."""
        return self.loss_module.components(pred, target)
