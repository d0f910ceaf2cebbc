"""TransUNet's hybrid encoder, the encoder of DDeP.

The CNN-Transformer hybrid encoder of Chen et al., "TransUNet: Transformers
Make Strong Encoders for Medical Image Segmentation", arXiv:2102.04306, as
used by Brempong et al., "Denoising Pretraining for Semantic Segmentation",
arXiv:2205.11423. A ResNet-50 whose convs are weight-standardised (StdConv)
and whose norms are GroupNorm, cut after three stages of (3, 4, 9)
bottlenecks, brings the image to 1/16; a 1x1 patch embedding turns that map
into tokens (so each token covers 16x16 pixels, as in ViT-B/16), learned
position embeddings are added (TransUNet's patch embedding) and a ViT-B
encoder (12 layers, 768 dims, 12 heads) runs on them. The CNN's 1/2, 1/4 and
1/8 maps are the decoder's skips; the ViT's tokens, reshaped to the 1/16
grid, are the deepest feature.
"""
from typing import Sequence, Tuple

from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.models import VisionTransformer
from mmseg.models.backbones.resnet import Bottleneck
from mmseg.models.utils import ResLayer
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class TransUNetEncoder(BaseModule):
    """R50 (StdConv + GroupNorm, stages (3, 4, 9)) + ViT on the 1/16 grid.

    Outputs, shallow to deep (``out_indices`` picks among them):
    0: stem, 1/2, ``stem_channels``; 1: 1/4, ``4 * base_channels``;
    2: 1/8, ``8 * base_channels``; 3: ViT map, 1/16, ``embed_dims``.
    The CNN's third stage (1/16, ``16 * base_channels``) feeds the ViT only.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        stem_channels (int): Width of the 7x7 stem. Defaults to 64.
        base_channels (int): Bottleneck width of stage 1. Defaults to 64.
        stage_blocks (Sequence[int]): Bottlenecks per stage.
            Defaults to (3, 4, 9).
        conv_cfg (dict): CNN convs. Defaults to mmcv's weight-standardised
            ``dict(type='ConvWS')``.
        norm_cfg (dict): CNN norms. Defaults to
            ``dict(type='GN', num_groups=32)``.
        img_size (int | tuple): Image size the position embeddings are made
            for; other sizes interpolate them. Defaults to 224.
        embed_dims (int): ViT width. Defaults to 768.
        num_layers (int): ViT depth. Defaults to 12.
        num_heads (int): Attention heads. Defaults to 12.
        mlp_ratio (float): FFN width / ``embed_dims``. Defaults to 4.
        drop_rate (float): Dropout after the position embedding and in the
            ViT layers (TransUNet: 0.1). Defaults to 0.1.
        drop_path_rate (float): Stochastic depth. Defaults to 0.
        out_indices (Sequence[int]): Outputs to return. Defaults to all.
        init_cfg (dict | list, optional): Defaults to Kaiming convs and unit
            norms for the CNN; the ViT initialises itself as mmpretrain does.
    """

    def __init__(self,
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 base_channels: int = 64,
                 stage_blocks: Sequence[int] = (3, 4, 9),
                 conv_cfg: dict = dict(type='ConvWS'),
                 norm_cfg: dict = dict(type='GN', num_groups=32),
                 img_size=224,
                 embed_dims: int = 768,
                 num_layers: int = 12,
                 num_heads: int = 12,
                 mlp_ratio: float = 4.,
                 drop_rate: float = 0.1,
                 drop_path_rate: float = 0.,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 init_cfg=None):
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', val=1, layer='GroupNorm')
            ]
        super().__init__(init_cfg)
        if len(stage_blocks) != 3:
            raise ValueError('TransUNet uses three CNN stages, got '
                             f'stage_blocks={tuple(stage_blocks)}')
        if any(not 0 <= i <= 3 for i in out_indices):
            raise ValueError(
                f'out_indices must be in 0..3, got {tuple(out_indices)}')
        self.out_indices = tuple(out_indices)

        self.stem = nn.Sequential(
            build_conv_layer(
                conv_cfg,
                in_channels,
                stem_channels,
                kernel_size=7,
                stride=2,
                padding=3,
                bias=False),
            build_norm_layer(norm_cfg, stem_channels)[1],
            nn.ReLU(inplace=True))
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.stages = nn.ModuleList()
        inplanes = stem_channels
        for i, num_blocks in enumerate(stage_blocks):
            planes = base_channels * 2**i
            self.stages.append(
                ResLayer(
                    Bottleneck,
                    inplanes,
                    planes,
                    num_blocks,
                    stride=1 if i == 0 else 2,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg))
            inplanes = planes * Bottleneck.expansion

        if isinstance(img_size, int):
            img_size = (img_size, img_size)
        self.vit = VisionTransformer(
            arch=dict(
                embed_dims=embed_dims,
                num_layers=num_layers,
                num_heads=num_heads,
                feedforward_channels=int(embed_dims * mlp_ratio)),
            img_size=(img_size[0] // 16, img_size[1] // 16),
            patch_size=1,
            in_channels=inplanes,
            drop_rate=drop_rate,
            drop_path_rate=drop_path_rate,
            out_type='featmap',
            with_cls_token=False)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Multi-scale features at 1/2, 1/4, 1/8 (CNN) and 1/16 (ViT)."""
        x = self.stem(x)
        feats = [x]
        x = self.maxpool(x)
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        feats[-1] = self.vit(feats[-1])[0]
        return tuple(feats[i] for i in self.out_indices)
