"""UniGrad, the loss of Siamese Image Modeling (SIM).

UniGrad (Tao et al., "Exploring the Equivalence of Siamese Self-Supervised
Learning via A Unified Gradient Framework", CVPR 2022, arXiv:2112.05141), as
SIM uses it (Tao et al., "Siamese Image Modeling for Self-Supervised Vision
Representation Learning", CVPR 2023, arXiv:2206.01204).

Notation: p_i (prediction) and t_i (target) are the i-th of M rows of
``pred`` and ``target`` of shape (M, C). No gradient flows into t::

    F   = 1/M sum_j t_j t_j^T                     (C x C, t^T t / M)
    pos = 1/M sum_i ||p_i - t_i||^2
    neg = 1/M sum_i p_i^T F p_i = 1/M^2 sum_i sum_j (p_i . t_j)^2
    L   = (pos + lambda * neg) / C                (lambda = ``neg_weight``)

Its gradient is dL/dp_i = 2/(M C) (p_i - t_i + lambda F p_i): pull to the
positive, push away along the targets' correlation F. ``neg`` is computed
as ((p F) * p).sum(-1).mean(), so memory is O(M C + C^2), never O(M^2).
In a distributed run F is averaged over the processes (each holds the same
M), so the negatives are the targets of the whole global batch, and the mean
of the processes' losses is the loss of the global batch.

:class:`UniGradLoss` applies it to (B, N, C) token maps: a dense term over
the B*N tokens (each image's mean token subtracted first, as in the SIM
paper) and a global term over the B per-image mean tokens.
"""
import torch
import torch.distributed as dist
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


def _check_nonneg(**values: float) -> None:
    for name, value in values.items():
        if not value >= 0:
            raise ValueError(f'{name} must be >= 0, got {value!r}')


def _dist_world_size() -> int:
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def unigrad(pred: Tensor, target: Tensor, neg_weight: float = 0.02) -> Tensor:
    """UniGrad loss of M predictions against M targets (module docstring).

    Args:
        pred (Tensor): (M, C) predictions p.
        target (Tensor): (M, C) targets t; detached here.
        neg_weight (float): lambda, weight of the negative term.

    Returns:
        Tensor: scalar loss, computed with autocast off in float32 (float64
        inputs stay float64). With torch.distributed initialized and more
        than one process, F is averaged over the processes, which must all
        call this with the same M.
    """
    if pred.dim() != 2 or pred.shape != target.shape:
        raise ValueError('expected pred and target of the same shape (M, C), '
                         f'got {tuple(pred.shape)} and {tuple(target.shape)}')
    if pred.shape[0] == 0 or pred.shape[1] == 0:
        raise ValueError(f'expected M > 0 and C > 0, got {tuple(pred.shape)}')
    _check_nonneg(neg_weight=neg_weight)
    dtype = torch.promote_types(pred.dtype, torch.float32)
    with torch.autocast(pred.device.type, enabled=False):
        p = pred.to(dtype)
        t = target.detach().to(dtype)
        m, c = p.shape
        cov = t.T @ t / m
        world_size = _dist_world_size()
        if world_size > 1:
            dist.all_reduce(cov)
            cov = cov / world_size
        pos = (p - t).pow(2).sum(-1).mean()
        neg = ((p @ cov) * p).sum(-1).mean()
        return (pos + neg_weight * neg) / c


@MODELS.register_module()
class UniGradLoss(nn.Module):
    """UniGrad on (B, N, C) token maps: a global and a dense term.

    - dense: :func:`unigrad` over the B*N tokens; with ``center_dense`` each
      image's mean token (over its N tokens) is first subtracted from pred
      and from target.
    - global: :func:`unigrad` over the B per-image mean tokens
      (``pred.mean(1)``, ``target.mean(1)``).

    The defaults are the SIM paper's form (both terms, centred dense
    tokens). The SIM public code's form is ``global_weight=0,
    center_dense=False`` (dense term only, no mean subtraction). Targets
    are taken as given: normalise them (SIM: non-affine LayerNorm) before.

    Args:
        global_weight (float): weight of the global term; 0 skips it.
        dense_weight (float): weight of the dense term; 0 skips it.
        center_dense (bool): subtract each image's mean token before the
            dense term.
        neg_weight (float): lambda of :func:`unigrad`.
    """

    def __init__(self,
                 global_weight: float = 1.0,
                 dense_weight: float = 1.0,
                 center_dense: bool = True,
                 neg_weight: float = 0.02):
        super().__init__()
        _check_nonneg(
            global_weight=global_weight,
            dense_weight=dense_weight,
            neg_weight=neg_weight)
        if global_weight == 0 and dense_weight == 0:
            raise ValueError('global_weight and dense_weight are both 0: '
                             'the loss would have no term')
        self.global_weight = global_weight
        self.dense_weight = dense_weight
        self.center_dense = center_dense
        self.neg_weight = neg_weight

    def components(self, pred: Tensor, target: Tensor) -> dict:
        """Weighted terms ``loss_global`` and ``loss_dense`` of pred and
        target (B, N, C); a term of weight 0 is left out."""
        if pred.dim() != 3 or pred.shape != target.shape:
            raise ValueError('expected pred and target of the same shape '
                             f'(B, N, C), got {tuple(pred.shape)} and '
                             f'{tuple(target.shape)}')
        # means and centring in float32 too, not in the caller's half dtype
        dtype = torch.promote_types(pred.dtype, torch.float32)
        pred, target = pred.to(dtype), target.detach().to(dtype)
        losses = dict()
        if self.global_weight > 0:
            losses['loss_global'] = self.global_weight * unigrad(
                pred.mean(1), target.mean(1), self.neg_weight)
        if self.dense_weight > 0:
            if self.center_dense:
                pred = pred - pred.mean(1, keepdim=True)
                target = target - target.mean(1, keepdim=True)
            losses['loss_dense'] = self.dense_weight * unigrad(
                pred.flatten(0, 1), target.flatten(0, 1), self.neg_weight)
        return losses

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        """Sum of :meth:`components`, a scalar."""
        return sum(self.components(pred, target).values())
