"""Pixel-wise projection head for contrastive losses (Zhao et al., 2021)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class ProjectionHead(BaseModule):
    """Stack of 1x1 convs whose output is L2-normalised along channels.

    y = normalize(conv_n(act(norm(conv_{n-1}(... act(norm(conv_1(x))))))))
    i.e. every conv but the last is followed by the optional norm layer and
    the activation. Paper: ``num_convs=3``, 256 channels, no norm. Public
    code: ``num_convs=2, norm_cfg=dict(type='BN')`` (conv-BN-ReLU, conv).

    Args:
        in_channels (int): channels of the input feature map.
        channels (int): channels of every conv output. Default: 256.
        num_convs (int): number of 1x1 convs, >= 1. Default: 3.
        norm_cfg (dict | None): norm after each conv but the last.
        act_cfg (dict): activation after each conv but the last.
        init_cfg (dict | list[dict] | None): mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = 256,
                 num_convs: int = 3,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels),
                            ('channels', channels), ('num_convs', num_convs)):
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(
                    f'{name} must be a positive int, got {value!r}')
        layers = []
        for i in range(num_convs - 1):
            layers.append(
                ConvModule(in_channels if i == 0 else channels, channels, 1,
                           norm_cfg=norm_cfg, act_cfg=act_cfg))
        layers.append(
            nn.Conv2d(in_channels if num_convs == 1 else channels, channels,
                      1))
        self.convs = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in_channels, h, w) -> unit-length (B, channels, h, w)."""
        return F.normalize(self.convs(x), dim=1)
