"""GMML / SiT: group masked model learning for vision transformers.

SiT (Atito, Awais, Kittler, arXiv:2104.03602) and GMML (Atito et al.,
arXiv:2205.14986). A ViT f sees two augmented views x_1, x_2 of an image,
each corrupted by :class:`GMMLCorruption` into x~_v with pixel mask M_v. Its
patch tokens go through the reconstruction head g, its first token (the
contrastive token) through the projection h::

    L_recons = 1/2 sum_v  sum M_v |g(f(x~_v)) - x_v| / (C sum M_v)
    q_v = h(f(x~_v)[0])       (student, corrupted view)
    k_v = h(f(x_v)[0])        SimCLR form (paper): same network, clean view
    k_v = h'(f'(x_v)[0])      MoCo form (public code): EMA teacher, no grad
    L_contr = NT(q_1, k_2) + NT(q_2, k_1)
    L = alpha * L_recons + L_contr

with NT the :class:`NTXentLoss` of the contrastive head (SimCLR's eq. or
MoCo v3's 2t-scaled one). The teacher's weights follow theta' <- tau theta'
+ (1 - tau) theta with tau rising from 0.996 to 1 on a cosine over training
(mmpretrain's ``CosineEMA``). alpha is 5 on small data sets and 1 on
ImageNet-1k in the paper. Either loss can be switched off (``head=None`` or
``contrastive_head=None``).
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmpretrain.models.utils import CosineEMA
from torch import Tensor, nn

from mmssl_seg.registry import MODELS
from .base import BaseSegPretrainer


class _TokenEmbedder(nn.Module):
    """Encoder then projection of the contrastive token: the EMA's model."""

    def __init__(self, backbone: nn.Module, head: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.backbone(x)[-1][:, 0])


@MODELS.register_module()
class GMML(BaseSegPretrainer):
    """Group masked model learning of a ViT encoder (module docstring).

    Args:
        backbone (dict): A ViT returning its tokens (B, 1 + h*w, D), e.g.
            ``mmpretrain.VisionTransformer`` with ``out_type='raw'``; the
            last output is used, its first token is the contrastive token.
            A fine-tuning model may build the same encoder with
            ``out_type='featmap'``: the weights are the same.
        head (dict, optional): Reconstruction head with its loss
            (:class:`GMMLReconstructionHead`); None switches L_recons off.
        contrastive_head (dict, optional): :class:`GMMLContrastiveHead`;
            None switches L_contr off.
        corruption (dict): :class:`GMMLCorruption`, with the backbone's
            patch size.
        alpha (float): Weight of L_recons. Defaults to 5 (small data).
        momentum (float, optional): Start of the teacher's EMA weight tau
            (0.996 in the public code); None (default, the paper's SimCLR
            form) uses the student on the clean views instead.
        data_preprocessor (dict, optional): For two views,
            ``mmpretrain.SelfSupDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 head: Optional[dict] = None,
                 contrastive_head: Optional[dict] = None,
                 corruption: dict = dict(type='GMMLCorruption'),
                 alpha: float = 5.,
                 momentum: Optional[float] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if head is None and contrastive_head is None:
            raise ValueError('GMML needs a head (reconstruction), a '
                             'contrastive_head or both')
        super().__init__(
            backbone=backbone,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.contrastive_head = None if contrastive_head is None else \
            MODELS.build(contrastive_head)
        self.corruption = MODELS.build(corruption)
        self.alpha = alpha
        self.patch_size = self._check_patch_sizes()
        if self.contrastive_head is not None and \
                not getattr(self.backbone, 'with_cls_token', True):
            raise ValueError('the contrastive loss reads the first token: '
                             'build the backbone with with_cls_token=True')
        self.teacher = None
        if momentum is not None and self.contrastive_head is not None:
            if not 0 < momentum <= 1:
                raise ValueError(f'momentum must be in (0, 1], got {momentum}')
            self.teacher = CosineEMA(
                _TokenEmbedder(self.backbone, self.contrastive_head),
                momentum=1 - momentum,
                end_momentum=0.)

    def _check_patch_sizes(self) -> int:
        patch = self.backbone.patch_embed.projection.stride
        sizes = dict(backbone=patch[0], corruption=self.corruption.patch_size)
        if self.with_head:
            sizes['head'] = self.head.to_pixels.stride[0]
        if patch[0] != patch[1] or len(set(sizes.values())) != 1:
            raise ValueError(f'the patch sizes differ: {sizes} (backbone '
                             f'stride {tuple(patch)})')
        return patch[0]

    def _tokens(self, x: Tensor) -> Tensor:
        tokens = self.backbone(x)[-1]
        if tokens.dim() != 3:
            raise ValueError(
                'the backbone must return its tokens (B, 1 + h*w, D), got '
                f"{tuple(tokens.shape)}: build it with out_type='raw'")
        return tokens

    def _views(self, inputs: Union[Tensor, List[Tensor]]) -> List[Tensor]:
        views = list(inputs) if isinstance(inputs, (list, tuple)) \
            else [inputs]
        if self.contrastive_head is not None and len(views) != 2:
            raise ValueError(f'the contrastive loss needs 2 views, got '
                             f'{len(views)} (use mmpretrain.MultiView)')
        return [self._check_view(v) for v in views]

    def _check_view(self, view: Tensor) -> Tensor:
        h, w = view.shape[-2:]
        if h % self.patch_size or w % self.patch_size:
            raise ValueError(f'a {h}x{w} view is not a whole number of '
                             f'{self.patch_size}x{self.patch_size} patches')
        return view

    def _grid(self, view: Tensor) -> Tuple[int, int]:
        return (view.shape[-2] // self.patch_size,
                view.shape[-1] // self.patch_size)

    def _contrastive(self, views: List[Tensor],
                     tokens: List[Tensor]) -> Tensor:
        q = [self.contrastive_head(t[:, 0]) for t in tokens]
        if self.teacher is None:
            k = [self.contrastive_head(self._tokens(v)[:, 0]) for v in views]
        else:
            with torch.no_grad():
                self.teacher.update_parameters(
                    _TokenEmbedder(self.backbone, self.contrastive_head))
                k = [self.teacher(v) for v in views]
        loss = self.contrastive_head.loss
        return loss(q[0], k[1]) + loss(q[1], k[0])

    def loss(self,
             inputs: Union[Tensor, List[Tensor]],
             data_samples=None) -> Dict[str, Tensor]:
        """L_recons (times alpha) and L_contr of a batch of views."""
        views = self._views(inputs)
        corrupted = [self.corruption(v) for v in views]
        tokens = [self._tokens(x) for x, _ in corrupted]
        losses = {}
        if self.with_head:
            recons = []
            for t, v, (_, mask) in zip(tokens, views, corrupted):
                h, w = self._grid(v)
                recons.append(
                    self.head.loss(t[:, -h * w:], (h, w), v, mask))
            losses['loss_recons'] = self.alpha * sum(recons) / len(recons)
        if self.contrastive_head is not None:
            losses['loss_contrast'] = self._contrastive(views, tokens)
        return losses

    @torch.no_grad()
    def reconstruct(self, inputs: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Corrupted batch, mask and reconstruction of ``inputs`` (N, C, H,
        W), in its normalised space, for inspection."""
        if not self.with_head:
            raise ValueError('this GMML has no reconstruction head')
        view = self._check_view(inputs)
        corrupted, mask = self.corruption(view)
        h, w = self._grid(view)
        tokens = self._tokens(corrupted)[:, -h * w:]
        return corrupted, mask, self.head(tokens, (h, w))
