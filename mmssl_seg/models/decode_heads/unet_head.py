"""U-Net decoder over an encoder's multi-scale features.

The decoder g_phi of DDeP (Brempong et al., "Denoising Pretraining for
Semantic Segmentation", arXiv:2205.11423): starting from the deepest
feature, each block upsamples by 2 (bilinear), concatenates the
next-shallower encoder feature (the skip) and applies two 3x3
conv-norm-ReLU layers. Default (1x) block widths are
[1024, 512, 256, 128, 64]; the paper widens them 2x or 3x.
"""
from typing import Optional, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class UNetHead(BaseDecodeHead):
    """U-Net decoder ending in ``num_classes`` logits (``cls_seg``).

    Blocks consume the skips from deep to shallow: block i upsamples to the
    size of skip i (so odd sizes work) and concatenates it; blocks beyond the
    last skip upsample by 2 without one. The output stride is therefore the
    shallowest skip's stride / 2^(blocks - skips): with the default five
    blocks it is the input resolution for encoders whose deepest feature is at
    1/32 (ResNet, EfficientNet). Denoising needs that, since the noise target
    is i.i.d. per pixel and an upsampled coarse prediction cannot match it.

    With ``bottleneck=True`` the first width is instead a single 3x3
    conv-norm-ReLU at the deepest resolution (the "conv_more" of TransUNet's
    cascaded upsampler, Chen et al., arXiv:2102.04306) and only the remaining
    widths upsample: the layout for 1/16 encoders such as the TransUNet
    hybrid (1024 at 1/16, then 512, 256, 128, 64 up to 1/1).

    Args:
        block_widths (Sequence[int]): 1x widths, deepest first.
            Defaults to (1024, 512, 256, 128, 64).
        width_multiplier (float): Scales every width (paper: 1, 2, 3; small
            fractions such as 1/8 for CPU runs). Defaults to 1.
        bottleneck (bool): First width is a non-upsampling conv (see above).
            Defaults to False.
        skip_norm (bool): Pass every skip through a 1x1 conv-norm-ReLU
            before the concatenation, so encoder features whose scale is far
            from the decoder's (a linear BN output) enter normalised.
            Defaults to False.
        fuse_channels (int, optional): If given, the classifier reads a
            top-down sum of every block's output instead of the last block
            alone: each output is projected to this width (1x1
            conv-norm-ReLU) and added to the upsampled sum of the deeper ones,
            ``s_i = P_i(x_i) + up(s_{i-1})`` (the pathway of a feature pyramid
            network, Lin et al., arXiv:1612.03144). This gives the classifier a
            short path to the deep, wide blocks, as SegFormer's head has.
            Defaults to None.
        **kwargs: :class:`BaseDecodeHead` arguments. ``in_channels`` and
            ``in_index`` list the features shallow to deep;
            ``input_transform`` is ``'multiple_select'``; ``channels`` is the
            last block's width and must not be given; ``norm_cfg`` defaults
            to BN.
    """

    def __init__(self,
                 block_widths: Sequence[int] = (1024, 512, 256, 128, 64),
                 width_multiplier: float = 1.,
                 bottleneck: bool = False,
                 skip_norm: bool = False,
                 fuse_channels: Optional[int] = None,
                 **kwargs):
        if width_multiplier <= 0:
            raise ValueError(
                f'width_multiplier must be > 0, got {width_multiplier}')
        if not block_widths or any(w <= 0 for w in block_widths):
            raise ValueError(
                f'block_widths must be positive ints, got {block_widths}')
        if 'channels' in kwargs:
            raise ValueError('UNetHead sets channels (the last block width, '
                             'or fuse_channels); do not pass '
                             f'channels={kwargs["channels"]}')
        widths = [max(1, round(w * width_multiplier)) for w in block_widths]
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('norm_cfg', dict(type='BN', requires_grad=True))
        super().__init__(channels=fuse_channels or widths[-1], **kwargs)
        if self.input_transform != 'multiple_select':
            raise ValueError("UNetHead needs input_transform='multiple_select'"
                             f', got {self.input_transform!r}')
        self.block_widths = widths
        conv = dict(
            kernel_size=3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

        in_ch = self.in_channels[-1]
        self.bottleneck = ConvModule(in_ch, widths[0], **conv) \
            if bottleneck else None
        if bottleneck:
            in_ch, widths = widths[0], widths[1:]
        skip_channels = list(self.in_channels[-2::-1])
        if len(skip_channels) > len(widths):
            raise ValueError(
                f'{len(skip_channels)} skip features (in_channels='
                f'{list(self.in_channels)}) need at least as many upsampling '
                f'blocks, got {len(widths)} (block_widths={list(block_widths)}'
                f', bottleneck={bottleneck})')
        self.skip_norms = nn.ModuleList(
            ConvModule(c, c, 1, conv_cfg=self.conv_cfg,
                       norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
            for c in skip_channels) if skip_norm else None
        self.blocks = nn.ModuleList()
        for i, width in enumerate(widths):
            skip_ch = skip_channels[i] if i < len(skip_channels) else 0
            self.blocks.append(
                nn.Sequential(
                    ConvModule(in_ch + skip_ch, width, **conv),
                    ConvModule(width, width, **conv)))
            in_ch = width
        self.fuse_projs = nn.ModuleList(
            ConvModule(w, fuse_channels, 1, conv_cfg=self.conv_cfg,
                       norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
            for w in widths) if fuse_channels else None

    def forward_features(self, inputs: Sequence[Tensor]) -> Tensor:
        """Decoder features before ``cls_seg``, at the output resolution."""
        feats = self._transform_inputs(inputs)
        x = feats[-1]
        if self.bottleneck is not None:
            x = self.bottleneck(x)
        skips = feats[-2::-1]
        fused = None
        for i, block in enumerate(self.blocks):
            if i < len(skips):
                x = resize(
                    x,
                    size=skips[i].shape[2:],
                    mode='bilinear',
                    align_corners=self.align_corners,
                    warning=False)
                skip = skips[i] if self.skip_norms is None \
                    else self.skip_norms[i](skips[i])
                x = torch.cat([x, skip], dim=1)
            else:
                x = resize(
                    x,
                    scale_factor=2,
                    mode='bilinear',
                    align_corners=self.align_corners)
            x = block(x)
            if self.fuse_projs is not None:
                fused = self._fuse(fused, self.fuse_projs[i](x))
        return x if self.fuse_projs is None else fused

    def _fuse(self, deeper: Optional[Tensor], projected: Tensor) -> Tensor:
        """One top-down step: ``s_i = P_i(x_i) + up(s_{i-1})``."""
        if deeper is None:
            return projected
        return projected + resize(
            deeper,
            size=projected.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Logits from the backbone's features."""
        return self.cls_seg(self.forward_features(inputs))
