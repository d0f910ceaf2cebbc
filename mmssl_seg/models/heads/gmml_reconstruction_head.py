"""SiT's reconstruction head: patch tokens back to pixels, and the L1 loss."""
from typing import Optional, Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class GMMLReconstructionHead(BaseModule):
    """Restores the image from the encoder's patch tokens.

    SiT (Atito et al., arXiv:2104.03602): each of the h x w patch tokens
    goes through fully connected layers with GELU, then a transposed conv
    with kernel = stride = p maps the token grid back to an image x^ of
    (h p) x (w p) pixels. Paper: 2 layers of 2048 (the defaults); public
    code: 3 layers of the token width (``num_fcs=3,
    hidden_channels=in_channels``). The loss is L1 on the mask M of
    corrupted pixels (C channels)::

        L = sum M |x^ - x| / (C sum M)      (corrupted_only, the default)
        L = mean |x^ - x|                   (all pixels, the GMML code's
                                             drop_only=0)

    Args:
        in_channels (int): Token width D.
        patch_size (int): Patch side p. Defaults to 16.
        out_channels (int): Image channels C. Defaults to 3.
        hidden_channels (int): Width of the fully connected layers.
            Defaults to 2048.
        num_fcs (int): Number of fully connected layers. Defaults to 2.
        corrupted_only (bool): Loss on the corrupted pixels only. Defaults
            to True.
        loss (dict, optional): Criterion (pred, target, mask). Defaults to
            ``mmpretrain.PixelReconstructionLoss`` L1 over C channels.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 patch_size: int = 16,
                 out_channels: int = 3,
                 hidden_channels: int = 2048,
                 num_fcs: int = 2,
                 corrupted_only: bool = True,
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if num_fcs < 1:
            raise ValueError(f'num_fcs must be >= 1, got {num_fcs}')
        layers = []
        for i in range(num_fcs):
            layers += [
                nn.Linear(in_channels if i == 0 else hidden_channels,
                          hidden_channels),
                nn.GELU()
            ]
        self.fcs = nn.Sequential(*layers)
        self.to_pixels = nn.ConvTranspose2d(
            hidden_channels, out_channels, patch_size, stride=patch_size)
        self.corrupted_only = corrupted_only
        self.criterion = MODELS.build(loss or dict(
            type='mmpretrain.PixelReconstructionLoss',
            criterion='L1',
            channel=out_channels))

    def forward(self, tokens: Tensor, grid: Tuple[int, int]) -> Tensor:
        """(B, h*w, D) patch tokens of an h x w ``grid`` -> the image x^,
        (B, C, h*p, w*p)."""
        b, n, _ = tokens.shape
        if n != grid[0] * grid[1]:
            raise ValueError(f'{n} tokens do not form a {grid[0]}x{grid[1]} '
                             'grid')
        feats = self.fcs(tokens).transpose(1, 2).reshape(b, -1, *grid)
        return self.to_pixels(feats)

    def loss(self, tokens: Tensor, grid: Tuple[int, int], target: Tensor,
             mask: Tensor) -> Tensor:
        """L of the reconstruction against the clean ``target`` (B, C, H,
        W); ``mask`` (B, 1, H, W) is 1 on the corrupted pixels."""
        pred = self(tokens, grid)
        if pred.shape != target.shape:
            raise ValueError(f'the reconstruction is {tuple(pred.shape)}, the '
                             f'target {tuple(target.shape)}: the image sides '
                             'must be multiples of the patch size')
        return self.criterion(pred, target,
                              mask if self.corrupted_only else None)
