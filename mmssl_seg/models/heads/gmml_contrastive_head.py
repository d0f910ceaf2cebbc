"""SiT's contrastive head: projection of the contrastive token, and NT-Xent.
"""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class GMMLContrastiveHead(BaseModule):
    """Projects the contrastive token and owns the contrastive loss.

    SiT (Atito et al., arXiv:2104.03602): ``num_layers - 1`` fully connected
    layers of ``hidden_channels`` with BatchNorm and GELU, then a linear
    layer to the embedding: 2 x 4096 then 256 (the defaults). The loss is
    :class:`NTXentLoss` (temperature 0.2), SimCLR's form by default.

    Args:
        in_channels (int): Token width D.
        hidden_channels (int): Defaults to 4096.
        out_channels (int): Embedding width. Defaults to 256.
        num_layers (int): Linear layers, >= 1. Defaults to 3.
        loss (dict): Defaults to ``dict(type='NTXentLoss')``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 4096,
                 out_channels: int = 256,
                 num_layers: int = 3,
                 loss: dict = dict(type='NTXentLoss'),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        layers, width = [], in_channels
        for _ in range(num_layers - 1):
            layers += [
                nn.Linear(width, hidden_channels),
                nn.BatchNorm1d(hidden_channels),
                nn.GELU()
            ]
            width = hidden_channels
        layers.append(nn.Linear(width, out_channels))
        self.mlp = nn.Sequential(*layers)
        self.criterion = MODELS.build(loss)

    def forward(self, token: Tensor) -> Tensor:
        """(B, D) contrastive tokens -> (B, out_channels) embeddings."""
        return self.mlp(token)

    def loss(self, a: Tensor, b: Tensor) -> Tensor:
        """The criterion on embeddings of positive pairs (a_i, b_i)."""
        return self.criterion(a, b)
