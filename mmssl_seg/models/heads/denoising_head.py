"""DDeP's pretext head: decoder features to the noise (or image) estimate."""
from typing import Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class DenoisingHead(BaseModule):
    """A 1x1 conv predicting eps (or x) from decoder features, and the loss.

    The loss of DDeP (Brempong et al., CVPR-W 2022, arXiv:2205.11423) is the
    squared error || g(f(x~)) - eps ||^2, here a mean over pixels and
    channels (``loss``, default ``mmpretrain.PixelReconstructionLoss`` L2).

    The prediction is resized (bilinear) to the target size when it is off
    by rounding (odd sizes); an output at half the target size or coarser
    (or twice or more) is refused: per-pixel noise cannot be predicted from
    an upsampled coarse map, so the decoder needs as many upsampling blocks
    as the encoder has stride-2 steps.

    Args:
        in_channels (int): Channels of the decoder features.
        out_channels (int): Channels of the target (image channels).
            Defaults to 3.
        loss (dict): Criterion on (prediction, target).
        init_cfg (dict): Defaults to N(0, 0.01) weights, zero bias (mmseg's
            classifier initialisation).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 3,
                 loss: dict = dict(
                     type='mmpretrain.PixelReconstructionLoss',
                     criterion='L2'),
                 init_cfg: dict = dict(type='Normal', std=0.01,
                                       layer='Conv2d')):
        super().__init__(init_cfg=init_cfg)
        self.conv = nn.Conv2d(in_channels, out_channels, 1)
        self.criterion = MODELS.build(loss)

    def forward(self, feats: Tensor, size: Tuple[int, int]) -> Tensor:
        """The estimate at ``size`` (h, w), shape (N, out_channels, h, w)."""
        pred = self.conv(feats)
        (h, w), (H, W) = pred.shape[2:], size
        if not (H / 2 < h < 2 * H and W / 2 < w < 2 * W):
            raise ValueError(
                f'the decoder output is {h}x{w} for a {H}x{W} image: a '
                'denoising decoder must output the image resolution (one '
                'upsampling block per encoder stride-2 step)')
        if (h, w) != (H, W):
            pred = nn.functional.interpolate(
                pred, size=(H, W), mode='bilinear', align_corners=False)
        return pred

    def loss(self, feats: Tensor, target: Tensor) -> Tensor:
        """Mean squared error of the estimate against ``target``."""
        if target.shape[1] != self.conv.out_channels:
            raise ValueError(
                f'the head predicts {self.conv.out_channels} channels but the '
                f'target has {target.shape[1]}: set the head\'s '
                f'out_channels={target.shape[1]}')
        return self.criterion(self(feats, target.shape[2:]), target)
