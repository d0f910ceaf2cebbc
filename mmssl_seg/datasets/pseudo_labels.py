"""Confidence-thresholded pseudo labels (Zhao et al., 2021, semi-supervised).

With p_k(u) the predicted probability of class k at pixel u and tau_k the
threshold of class k (paper: 0.8, and 0.97 for Pascal VOC's background)::

    k*(u)   = argmax_k p_k(u)
    y^(u)   = k*(u)          if p_{k*(u)}(u) >= tau_{k*(u)}
            = ignore_index   otherwise

``tools/pseudo_label.py`` writes y^ for the unlabelled training images; a
training config then mixes them with the labelled split.
"""
from typing import Dict, Optional

import torch
from torch import Tensor


def class_thresholds(num_classes: int,
                     default: float = 0.8,
                     per_class: Optional[Dict[int, float]] = None) -> Tensor:
    """tau: ``default`` for every class, ``per_class[k]`` for the classes k
    it lists.

    Raises:
        ValueError: a threshold outside [0, 1] or a class outside
            0..num_classes-1.
    """
    tau = torch.full((num_classes, ), float(default))
    for k, value in (per_class or {}).items():
        if not 0 <= k < num_classes:
            raise ValueError(f'class index {k} not in 0..{num_classes - 1}')
        tau[k] = value
    if ((tau < 0) | (tau > 1)).any():
        raise ValueError(f'thresholds must be in [0, 1], got {tau.tolist()}')
    return tau


def threshold_pseudo_labels(probs: Tensor,
                            thresholds: Tensor,
                            ignore_index: int = 255) -> Tensor:
    """y^ from class probabilities (see module docstring).

    Args:
        probs: (..., K, H, W) probabilities (softmax over K).
        thresholds: (K,) tau_k.

    Returns:
        (..., H, W) int64 labels, ``ignore_index`` where not confident.
    """
    if thresholds.shape != (probs.shape[-3], ):
        raise ValueError(f'{probs.shape[-3]} classes need as many thresholds,'
                         f' got shape {tuple(thresholds.shape)}')
    confidence, labels = probs.max(dim=-3)
    keep = confidence >= thresholds.to(probs.device)[labels]
    return torch.where(keep, labels, torch.full_like(labels, ignore_index))
