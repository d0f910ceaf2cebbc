"""Cross-entropy with per-class weights, for pixel labels with ignored pixels.

With w_c the weight of class c, y_i the label of pixel i, p_i its predicted
distribution and V = {i : y_i != ignore_index} the labelled pixels::

    L = sum_{i in V} w_{y_i} (-log p_{i, y_i}) / sum_{i in V} w_{y_i}

the weighted mean of PyTorch's ``F.cross_entropy``. Median-frequency weights
w_c = median_k(f_k) / f_c, with f_c the pixel frequency of class c over the
images that contain it (Eigen & Fergus, ICCV 2015), are what SegNet's CamVid
benchmark trains with (Badrinarayanan et al., TPAMI 2017).

mmseg's ``CrossEntropyLoss`` takes ``class_weight`` too, but computes the
denominator by indexing the weights with every label, ignored ones included,
and so fails on labels that hold ``ignore_index`` (255), as CamVid's void
does. This class keeps its interface and replaces that computation.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss

from mmssl_seg.registry import MODELS


def class_weighted_cross_entropy(pred: torch.Tensor,
                                 label: torch.Tensor,
                                 weight: Optional[torch.Tensor] = None,
                                 class_weight: Optional[torch.Tensor] = None,
                                 reduction: str = 'mean',
                                 avg_factor: Optional[float] = None,
                                 ignore_index: int = 255,
                                 **kwargs) -> torch.Tensor:
    """L above. ``weight`` (N, H, W) scales each pixel's term in the sum,
    not the denominator; ``avg_factor`` replaces the denominator; other
    keywords of mmseg's loss call (``avg_non_ignore``) are ignored."""
    loss = F.cross_entropy(
        pred, label, weight=class_weight, reduction='none',
        ignore_index=ignore_index)
    if weight is not None:
        loss = loss * weight.float()
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    if avg_factor is None:
        valid = label != ignore_index
        avg_factor = (valid.sum() if class_weight is None else
                      class_weight[label[valid]].sum()).to(loss.dtype)
        # no labelled pixel: the sum is 0, and so is the loss
        avg_factor = avg_factor.clamp(min=torch.finfo(loss.dtype).eps)
    return loss.sum() / avg_factor


@MODELS.register_module()
class ClassWeightedCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's ``CrossEntropyLoss`` (softmax) with ``class_weight`` that
    works with ignored pixels: L in the module docstring.

    Args:
        class_weight (list[float]): w_c, one per class.
        use_sigmoid (bool): must be False (softmax); taken so that the
            class can replace mmseg's ``CrossEntropyLoss`` in a config by a
            plain merge of ``type`` and ``class_weight``.
        loss_weight (float): scale of the loss. Defaults to 1.0.
        loss_name (str): key in the loss dict. Defaults to 'loss_ce'.
    """

    def __init__(self,
                 class_weight: list,
                 use_sigmoid: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce'):
        if use_sigmoid:
            raise ValueError('ClassWeightedCrossEntropyLoss is a softmax '
                             'cross-entropy: use_sigmoid must be False')
        if not class_weight or min(class_weight) < 0:
            raise ValueError('class_weight must be a non-empty list of '
                             f'weights >= 0, got {class_weight!r}')
        super().__init__(
            use_sigmoid=False,
            class_weight=list(class_weight),
            loss_weight=loss_weight,
            loss_name=loss_name,
            avg_non_ignore=True)
        self.cls_criterion = class_weighted_cross_entropy
