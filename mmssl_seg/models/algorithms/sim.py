"""SIM: Siamese Image Modeling (Tao et al., CVPR 2023, arXiv:2206.01204).

Two views x_a, x_b of one image, with their crop boxes and flips. The
online ViT f sees x_a with a block-wise mask M (a fixed count of patches per
image); the momentum branch (f', P'), an EMA of (f, P), sees all of x_b::

    z_a = f(x_a[~M])                       visible tokens of view a
    pos_b, s = relative positions of view b's patches in view a's frame,
               s = (log h_b/h_a, log w_b/w_a)
    y_b = G(P(z_a), pos_b, s)              :class:`SIMHead`
    t_b = LN(P'(f'(x_b)))                  no gradient
    L = alpha_1 L_global(y_b, t_b) + alpha_2 L_dense(y_b, t_b)   (UniGrad)

theta' <- m theta' + (1 - m) theta, m rising from 0.995 to 1 on a cosine
over training (mmpretrain's ``CosineEMA``). The EMA covers the encoder and
the projector, not the predictor. As in the public code, the patch
embedding is frozen by default and the position embedding is fixed 2-D
sin-cos (:class:`ViTSinCos`). Only the online ``backbone`` moves on to
segmentation.
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.utils import CosineEMA
from torch import Tensor, nn

from mmssl_seg.registry import MODELS
from ..utils import encode_visible, grid_positions, relative_patch_positions
from .base import BaseSegPretrainer


class _TargetEncoder(nn.Module):
    """f' then P' on a full view, patch tokens through a non-affine LN."""

    def __init__(self, backbone: nn.Module, projector: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.projector = projector

    def forward(self, x: Tensor) -> Tensor:
        tokens = self.projector(self.backbone(x)[-1])
        patches = tokens[:, self.backbone.num_extra_tokens:]
        return F.layer_norm(patches, patches.shape[-1:])


@MODELS.register_module()
class SIM(BaseSegPretrainer):
    """Siamese image modeling of a ViT encoder (module docstring).

    Args:
        backbone (dict): An mmpretrain ``VisionTransformer`` (or
            :class:`ViTSinCos`) built with ``out_type='raw'``.
        head (dict): :class:`SIMHead` with its :class:`UniGradLoss`.
        masking (dict): :class:`FixedCountBlockMasking` of view a's patches.
        momentum (float): Start of the EMA weight m. Defaults to 0.995.
        freeze_patch_embed (bool): Keep the patch embedding as initialised
            (the public code). Defaults to True.
        data_preprocessor (dict, optional): For two views,
            ``mmpretrain.SelfSupDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 masking: dict = dict(
                     type='FixedCountBlockMasking', ratio=118 / 196),
                 momentum: float = 0.995,
                 freeze_patch_embed: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if not 0 < momentum <= 1:
            raise ValueError(f'momentum must be in (0, 1], got {momentum}')
        super().__init__(
            backbone=backbone,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.masking = MODELS.build(masking)
        if freeze_patch_embed:
            self.backbone.patch_embed.requires_grad_(False)
        self.target = CosineEMA(
            _TargetEncoder(self.backbone, self.head.projector),
            momentum=1 - momentum,
            end_momentum=0.)

    def _geometry(self, data_samples) -> Tuple[Tensor, Tensor]:
        """Crop boxes (B, 2, 4) and flips (B, 2) of the two views."""
        if not data_samples or any(
                'crop_boxes' not in s or 'flips' not in s
                for s in data_samples):
            raise ValueError(
                'SIM needs the crop box and flip of both views: build them '
                'with MultiViewWithGeometry and pack them with '
                "mmpretrain.PackInputs(meta_keys=('crop_boxes', 'flips'))")
        boxes = torch.stack(
            [torch.as_tensor(s.crop_boxes) for s in data_samples]).float()
        flips = torch.stack(
            [torch.as_tensor(s.flips) for s in data_samples]).bool()
        if boxes.shape[1:] != (2, 4) or flips.shape[1:] != (2, ):
            raise ValueError(
                'SIM takes 2 views, got crop boxes of shape '
                f'{tuple(boxes.shape[1:])} and flips {tuple(flips.shape[1:])}')
        return boxes, flips

    def _grid(self, view: Tensor) -> Tuple[int, int]:
        patch = self.backbone.patch_embed.projection.stride
        h, w = view.shape[-2:]
        if h % patch[0] or w % patch[1]:
            raise ValueError(f'a {h}x{w} view is not a whole number of '
                             f'{patch[0]}x{patch[1]} patches')
        return h // patch[0], w // patch[1]

    def loss(self, inputs: List[Tensor],
             data_samples: list) -> Dict[str, Tensor]:
        """UniGrad between y_b and t_b (module docstring)."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError('SIM takes a list of 2 views (use '
                             'MultiViewWithGeometry)')
        view_a, view_b = inputs
        if view_a.shape != view_b.shape:
            raise ValueError(f'the views differ in shape: {view_a.shape} '
                             f'and {view_b.shape}')
        boxes, flips = self._geometry(data_samples)
        boxes, flips = boxes.to(view_a.device), flips.to(view_a.device)
        grid = self._grid(view_a)
        mask = self.masking(view_a.shape[0], grid, device=view_a.device)

        visible = encode_visible(self.backbone, view_a, mask)
        target_pos, log_scale = relative_patch_positions(
            boxes[:, 0], boxes[:, 1], flips[:, 0], flips[:, 1], grid)
        own_pos = grid_positions(grid).to(view_a)
        visible_pos = own_pos.expand(len(mask), -1, -1)[~mask].reshape(
            len(mask), -1, 2)
        pred = self.head.predict_tokens(visible,
                                        self.backbone.num_extra_tokens,
                                        visible_pos, target_pos, log_scale)
        with torch.no_grad():
            self.target.update_parameters(
                _TargetEncoder(self.backbone, self.head.projector))
            target = self.target(view_b)
        return self.head.loss(pred, target)
