"""TransUNet's cascaded upsampler (CUP) decode head (Chen et al., 2021).

Used by DDeP's TransUNet (METHODS.md 1): "conv_more" maps the ViT's 1/16
feature map to 512 channels (3x3 conv-BN-ReLU); four decoder blocks then each
upsample x2 (bilinear), concatenate the CNN skip of that resolution (1/8, 1/4,
1/2; none at 1/1) and apply two 3x3 conv-BN-ReLU, with widths 256, 128, 64,
16; ``conv_seg`` gives the K logits at the input resolution.
"""
from typing import Sequence

from mmssl_seg.registry import MODELS
from .unet_head import UNetHead


@MODELS.register_module()
class TransUNetHead(UNetHead):
    """Cascaded upsampler: a :class:`UNetHead` with a 512-wide bottleneck.

    The public code ends in a 3x3 segmentation conv; this head uses mmseg's
    1x1 ``conv_seg`` so the classifier is the standard one.

    Args:
        conv_more_channels (int): Width of "conv_more". Defaults to 512.
        decoder_channels (Sequence[int]): Decoder block widths.
            Defaults to (256, 128, 64, 16).
        **kwargs: :class:`UNetHead` / :class:`BaseDecodeHead` arguments,
            e.g. ``in_channels=[64, 256, 512, 768]``,
            ``in_index=[0, 1, 2, 3]`` for :class:`TransUNetEncoder`.
    """

    def __init__(self,
                 conv_more_channels: int = 512,
                 decoder_channels: Sequence[int] = (256, 128, 64, 16),
                 **kwargs):
        super().__init__(
            block_widths=(conv_more_channels, *decoder_channels),
            bottleneck=True,
            **kwargs)
