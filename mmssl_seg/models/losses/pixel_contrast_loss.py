"""Supervised pixel contrastive loss (Zhao et al., ICCV 2021).

Notation: z_i unit-length feature of pixel i, y_i its label, tau the
temperature, s_ij = z_i . z_j / tau. Pixels labelled ``ignore_index`` are
dropped first, so every set below holds valid pixels only.
P(i) = {p != i : y_p = y_i} (positives), N(i) = {n : y_n != y_i} (negatives),
I = {i : |P(i)| > 0} (included anchors).

``denominator='all'`` (default; the paper's equation, arXiv:2012.06985,
normalises over all other pixels)::

    L_i = -1/|P(i)| sum_{p in P(i)} log( exp(s_ip) / sum_{a != i} exp(s_ia) )

``denominator='negatives'`` (the public TensorFlow code,
google-research/supervised_pixel_contrastive_loss: each positive competes only
with the anchor's negatives)::

    L_i = -1/|P(i)| sum_{p in P(i)}
              log( exp(s_ip) / (exp(s_ip) + sum_{n in N(i)} exp(s_in)) )

Both weight the positives of an anchor by 1/|P(i)| and average over anchors:
L = 1/|I| sum_{i in I} L_i. (The public code also counts the anchor itself
among its positives; that term is not reproduced here.)

Two implementations give the same values and gradients: ``'naive'`` builds
the N x N similarity matrix under autograd (memory O(N^2)); ``'chunked'``
(default) goes through the anchors ``chunk_size`` rows at a time with a
row-wise log-sum-exp and recomputes each N x chunk block in backward, so
peak memory is O(N*C + N*chunk_size).
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmssl_seg.registry import MODELS

_MODES = ('single', 'batch')
_IMPLS = ('chunked', 'naive')
_DENOMINATORS = ('all', 'negatives')


def _check_options(temperature: float, mode: str, impl: str, denominator: str,
                   chunk_size: int, max_pixels: Optional[int]) -> None:
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature!r}')
    if mode not in _MODES:
        raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
    if impl not in _IMPLS:
        raise ValueError(f'impl must be one of {_IMPLS}, got {impl!r}')
    if denominator not in _DENOMINATORS:
        raise ValueError(
            f'denominator must be one of {_DENOMINATORS}, got {denominator!r}')
    if not (isinstance(chunk_size, int) and chunk_size >= 1):
        raise ValueError(
            f'chunk_size must be a positive int, got {chunk_size!r}')
    if max_pixels is not None and not (isinstance(max_pixels, int)
                                       and max_pixels >= 2):
        raise ValueError(
            f'max_pixels must be None or an int >= 2, got {max_pixels!r}')


def anchor_weights(labels: torch.Tensor, dtype: torch.dtype
                   ) -> Tuple[torch.Tensor, torch.Tensor, int]:
    """Weights of the anchors and of their positives.

    Returns ``(anchor_w, pos_w, num_anchors)`` with anchor_w_i = [i in I]/|I|
    and pos_w_i = anchor_w_i / |P(i)|, so L = sum_i anchor_w_i L_i.
    """
    _, inverse, counts = torch.unique(
        labels, return_inverse=True, return_counts=True)
    num_pos = counts[inverse] - 1
    included = num_pos > 0
    num_anchors = int(included.sum())
    anchor_w = included.to(dtype) / max(num_anchors, 1)
    pos_w = anchor_w / num_pos.clamp(min=1).to(dtype)
    return anchor_w, pos_w, num_anchors


def _row_block(z: torch.Tensor, labels: torch.Tensor, start: int, stop: int,
               temperature: float, denominator: str):
    """Logits s_ij of anchors start..stop-1 against all pixels, the positive
    mask, and the logits with everything outside the denominator set at -inf.
    """
    rows = torch.arange(start, stop, device=z.device)
    logits = z[start:stop] @ z.T / temperature
    same = labels[start:stop, None] == labels[None, :]
    pos = same.clone()
    pos[rows - start, rows] = False
    if denominator == 'all':
        contrast = logits.clone()
        contrast[rows - start, rows] = float('-inf')
    else:
        contrast = logits.masked_fill(same, float('-inf'))
    return logits, pos, contrast


def _block_forward(z, labels, anchor_w, pos_w, start, stop, temperature,
                   denominator):
    """Row-wise log-sum-exp of anchors start..stop-1 and their share of
    sum_i anchor_w_i L_i."""
    logits, pos, contrast = _row_block(z, labels, start, stop, temperature,
                                       denominator)
    lse = torch.logsumexp(contrast, dim=1)
    if denominator == 'all':
        pos_sum = torch.where(pos, logits, 0).sum(1)
        loss = (anchor_w[start:stop] * lse - pos_w[start:stop] * pos_sum).sum()
    else:
        terms = torch.where(pos, F.softplus(lse[:, None] - logits), 0)
        loss = (pos_w[start:stop] * terms.sum(1)).sum()
    return lse, loss


def _block_backward(z, labels, anchor_w, pos_w, lse, start, stop,
                    temperature, denominator, scale, grad_z):
    """Add the gradient through the anchor rows start..stop-1 to grad_z."""
    logits, pos, contrast = _row_block(z, labels, start, stop, temperature,
                                       denominator)
    row_lse = lse[start:stop, None]
    # Rows without any denominator member have lse = -inf.
    safe_lse = torch.where(torch.isfinite(row_lse), row_lse, 0)
    softmax = contrast.sub_(safe_lse).exp_()
    p_w = pos_w[start:stop, None]
    if denominator == 'all':
        grad = softmax.mul_(anchor_w[start:stop, None]).sub_(p_w * pos)
    else:
        q = torch.where(pos, torch.sigmoid(row_lse - logits), 0).mul_(p_w)
        grad = softmax.mul_(q.sum(1, keepdim=True)).sub_(q)
    grad.mul_(scale)
    grad_z[start:stop] += grad @ z
    grad_z += grad.T @ z[start:stop]


class _ChunkedPixelContrast(torch.autograd.Function):
    """sum_i anchor_w_i L_i in chunks of anchor rows, recomputed in backward.

    Derivative used in backward, with G_ij = dL/ds_ij:
    'all': G_ij = anchor_w_i softmax_{a != i}(s_i)_j - pos_w_i [j in P(i)].
    'negatives': with m_i = logsumexp_{n in N(i)} s_in and
    q_ip = pos_w_i sigmoid(m_i - s_ip) for p in P(i), G_ip = -q_ip and
    G_in = (sum_p q_ip) softmax_{N(i)}(s_i)_n for n in N(i).
    Then dL/dz = (G + G^T) z / tau. Each block lives only inside one call of
    _block_forward/_block_backward, so at most one N x chunk block set exists.
    """

    @staticmethod
    def forward(ctx, z, labels, anchor_w, pos_w, temperature, chunk_size,
                denominator):
        lse = z.new_empty(z.shape[0])
        total = z.new_zeros(())
        for start in range(0, z.shape[0], chunk_size):
            stop = min(start + chunk_size, z.shape[0])
            lse[start:stop], loss = _block_forward(z, labels, anchor_w, pos_w,
                                                   start, stop, temperature,
                                                   denominator)
            total += loss
        ctx.save_for_backward(z, labels, anchor_w, pos_w, lse)
        ctx.temperature = temperature
        ctx.chunk_size = chunk_size
        ctx.denominator = denominator
        return total

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        z, labels, anchor_w, pos_w, lse = ctx.saved_tensors
        grad_z = torch.zeros_like(z)
        scale = grad_out / ctx.temperature
        for start in range(0, z.shape[0], ctx.chunk_size):
            stop = min(start + ctx.chunk_size, z.shape[0])
            _block_backward(z, labels, anchor_w, pos_w, lse, start, stop,
                            ctx.temperature, ctx.denominator, scale, grad_z)
        return grad_z, None, None, None, None, None, None


def _naive_weighted_sum(z, labels, pos_w, temperature, denominator):
    """sum_i anchor_w_i L_i with the full N x N matrix under autograd."""
    n = z.shape[0]
    logits = z @ z.T / temperature
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    same = labels[:, None] == labels[None, :]
    pos = same & ~eye
    if denominator == 'all':
        lse = logits.masked_fill(eye, float('-inf')).logsumexp(1, keepdim=True)
        per_pair = lse - logits
    else:
        has_neg = (~same).any(1, keepdim=True)
        # Rows without negatives take a finite dummy log-sum-exp, then -inf,
        # so that no NaN reaches the gradient.
        lse = logits.masked_fill(same & has_neg,
                                 float('-inf')).logsumexp(1, keepdim=True)
        lse = lse.masked_fill(~has_neg, float('-inf'))
        per_pair = F.softplus(lse - logits)
    return (pos_w[:, None] * per_pair.masked_fill(~pos, 0)).sum()


def flat_pixel_contrast_loss(z: torch.Tensor,
                             labels: torch.Tensor,
                             temperature: float = 0.07,
                             impl: str = 'chunked',
                             chunk_size: int = 1024,
                             denominator: str = 'all'
                             ) -> Tuple[torch.Tensor, int]:
    """L = 1/|I| sum_{i in I} L_i over one set of pixels (see module doc).

    Args:
        z: (N, C) unit-length features; every pixel takes part.
        labels: (N,) integer labels (ignored pixels already removed).

    Returns:
        ``(loss, num_anchors)``; with no included anchor the loss is a zero
        still connected to ``z``. Runs with autocast off, in the dtype of
        ``z`` (give float32 or float64: logits reach 1/tau and go through exp).
    """
    _check_options(temperature, 'single', impl, denominator, chunk_size, None)
    if z.dim() != 2 or labels.shape != z.shape[:1]:
        raise ValueError('expected z of shape (N, C) and labels of shape (N,),'
                         f' got {tuple(z.shape)} and {tuple(labels.shape)}')
    anchor_w, pos_w, num_anchors = anchor_weights(labels, z.dtype)
    if num_anchors == 0:
        return z.sum() * 0, 0
    with torch.autocast(z.device.type, enabled=False):
        if impl == 'naive':
            loss = _naive_weighted_sum(z, labels, pos_w, temperature,
                                       denominator)
        else:
            loss = _ChunkedPixelContrast.apply(z, labels, anchor_w, pos_w,
                                               temperature, chunk_size,
                                               denominator)
    return loss, num_anchors


def pixel_contrast_loss(feats: torch.Tensor,
                        labels: torch.Tensor,
                        temperature: float = 0.07,
                        ignore_index: int = 255,
                        mode: str = 'single',
                        feat_size: Optional[Sequence[int]] = None,
                        max_pixels: Optional[int] = 10000,
                        impl: str = 'chunked',
                        chunk_size: int = 1024,
                        denominator: str = 'all',
                        align_corners: bool = False,
                        generator: Optional[torch.Generator] = None
                        ) -> torch.Tensor:
    """Supervised pixel contrastive loss of a batch of feature maps.

    Features are resized bilinearly to ``feat_size`` (None: kept), labels by
    nearest neighbour to the feature size, features L2-normalised along C.
    ``mode='single'``: L per image, averaged over the images that have an
    included anchor. ``mode='batch'``: one L over the pixels of the whole
    batch. In both, at most ``max_pixels`` valid pixels per set (per image,
    or per batch) are kept, drawn without replacement by ``torch.randperm``
    with ``generator``, or with torch's global CPU RNG when it is None.

    Args:
        feats: (B, C, h, w) features.
        labels: (B, H, W) integer labels.

    Returns:
        Scalar loss; zero (still connected to ``feats``) when no anchor has
        a positive. Half-precision features are processed in float32.
    """
    _check_options(temperature, mode, impl, denominator, chunk_size,
                   max_pixels)
    if feats.dim() != 4 or labels.dim() != 3:
        raise ValueError('expected feats (B, C, h, w) and labels (B, H, W), '
                         f'got {tuple(feats.shape)} and {tuple(labels.shape)}')
    if feats.shape[0] != labels.shape[0]:
        raise ValueError('feats and labels must have the same batch size, got '
                         f'{feats.shape[0]} and {labels.shape[0]}')
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f'labels must be integer, got dtype {labels.dtype}')

    if feats.dtype in (torch.float16, torch.bfloat16):
        feats = feats.float()
    if feat_size is not None and tuple(feat_size) != tuple(feats.shape[-2:]):
        feats = F.interpolate(feats, size=tuple(feat_size), mode='bilinear',
                              align_corners=align_corners)
    if labels.shape[-2:] != feats.shape[-2:]:
        labels = F.interpolate(labels[:, None].float(), size=feats.shape[-2:],
                               mode='nearest')[:, 0].to(labels.dtype)

    z = F.normalize(feats, dim=1).flatten(2).transpose(1, 2)  # (B, hw, C)
    labels = labels.flatten(1)
    if mode == 'batch':
        z, labels = z.reshape(1, -1, z.shape[-1]), labels.reshape(1, -1)

    losses = []
    for z_set, labels_set in zip(z, labels):
        keep = (labels_set != ignore_index).nonzero()[:, 0]
        if max_pixels is not None and keep.numel() > max_pixels:
            perm = torch.randperm(
                keep.numel(),
                generator=generator,
                device=generator.device if generator is not None else 'cpu')
            keep = keep[perm[:max_pixels].to(keep.device)]
        loss, num_anchors = flat_pixel_contrast_loss(
            z_set[keep], labels_set[keep], temperature, impl, chunk_size,
            denominator)
        if num_anchors > 0:
            losses.append(loss)
    if not losses:
        return feats.sum() * 0
    return torch.stack(losses).mean()


@MODELS.register_module()
class PixelContrastLoss(nn.Module):
    """Label-based pixel contrastive loss (Zhao et al., ICCV 2021).

    See the module docstring for the equations and
    :func:`pixel_contrast_loss` for the pipeline.

    Args:
        temperature (float): tau. Default: 0.07 (paper).
        ignore_index (int): label excluded as anchor and contrast member.
        mode (str): 'single' (per image, averaged) or 'batch'.
        feat_size (tuple[int, int] | None): size the features are resized to
            before the loss; the paper uses (65, 65) for 129x129 features.
            None keeps the feature size.
        max_pixels (int | None): at most this many valid pixels per set (the
            paper samples 10k in 'batch' mode). None: no sampling.
        impl (str): 'chunked' (linear memory) or 'naive' (N x N matrix).
        chunk_size (int): anchor rows per chunk for impl='chunked'.
        denominator (str): 'all' (default) or 'negatives' (public code).
        align_corners (bool): of the bilinear feature resize.
        loss_weight (float): factor on the loss.
        loss_name (str): key of the loss in the loss dict.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 ignore_index: int = 255,
                 mode: str = 'single',
                 feat_size: Optional[Sequence[int]] = None,
                 max_pixels: Optional[int] = 10000,
                 impl: str = 'chunked',
                 chunk_size: int = 1024,
                 denominator: str = 'all',
                 align_corners: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pixel_contrast'):
        super().__init__()
        _check_options(temperature, mode, impl, denominator, chunk_size,
                       max_pixels)
        self.temperature = temperature
        self.ignore_index = ignore_index
        self.mode = mode
        self.feat_size = None if feat_size is None else tuple(feat_size)
        self.max_pixels = max_pixels
        self.impl = impl
        self.chunk_size = chunk_size
        self.denominator = denominator
        self.align_corners = align_corners
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self,
                feats: torch.Tensor,
                labels: torch.Tensor,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Loss of feats (B, C, h, w) under labels (B, H, W), times
        ``loss_weight``; ``generator`` drives the pixel sampling."""
        return self.loss_weight * pixel_contrast_loss(
            feats, labels, self.temperature, self.ignore_index, self.mode,
            self.feat_size, self.max_pixels, self.impl, self.chunk_size,
            self.denominator, self.align_corners, generator)
