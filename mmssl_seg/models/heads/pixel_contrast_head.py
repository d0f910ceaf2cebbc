"""Pixel contrast's pretext head: projection h and the contrastive loss."""
from typing import Dict, Optional, Tuple

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmssl_seg.registry import MODELS
from .projection_head import ProjectionHead


@MODELS.register_module()
class PixelContrastHead(BaseModule):
    """Z = h(F) / ||h(F)|| and L_contrast(Z, y) (Zhao et al., ICCV 2021,
    arXiv:2012.06985).

    Args:
        in_channels (int): Channels of the decoder features F.
        loss (dict): The contrastive loss, e.g.
            ``dict(type='PixelContrastLoss', feat_size=(65, 65))``; it
            resizes Z and the labels to its ``feat_size``.
        channels (int): Embedding width. Defaults to 256.
        num_convs (int): 1x1 convs of h. Defaults to 3 (the paper's).
        norm_cfg (dict, optional): Norm after every conv but the last.
        proj_size (tuple[int], optional): (h, w) that F is bilinearly resized
            to before h, e.g. 1/4 of the crop as the paper's DeepLabv3+
            features, for a decoder with full-resolution features (h then
            costs 16 times less). ``None`` projects F as it comes.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 loss: dict,
                 channels: int = 256,
                 num_convs: int = 3,
                 norm_cfg: Optional[dict] = None,
                 proj_size: Optional[Tuple[int, int]] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.proj_size = None if proj_size is None else tuple(proj_size)
        self.projector = ProjectionHead(
            in_channels, channels, num_convs, norm_cfg=norm_cfg)
        self.criterion = MODELS.build(loss)

    def forward(self, feats: Tensor) -> Tensor:
        """Unit-length pixel embeddings Z, (B, channels, h, w), at
        ``proj_size`` if set."""
        if self.proj_size is not None and feats.shape[-2:] != self.proj_size:
            feats = F.interpolate(feats, self.proj_size, mode='bilinear',
                                  align_corners=False)
        return self.projector(feats)

    def loss(self, feats: Tensor, labels: Tensor) -> Dict[str, Tensor]:
        """``{loss name: L_contrast(Z, labels)}``; labels (B, H, W)."""
        return {self.criterion.loss_name: self.criterion(self(feats), labels)}
