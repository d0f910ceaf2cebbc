"""Confidence-thresholded pseudo labels (Zhao et al., 2021, semi-supervised).

With p_k(u) the predicted probability of class k at pixel u and tau_k the
threshold of class k (paper: 0.8, and 0.97 for Pascal VOC's background)::

    k*(u)   = argmax_k p_k(u)
    y^(u)   = k*(u)          if p_{k*(u)}(u) >= tau_{k*(u)}
            = ignore_index   otherwise

``tools/pseudo_label.py`` writes y^ for the unlabelled training images; a
training config then mixes them with the labelled split.

A fixed tau_k favours the classes a model is sure of: small classes (poles,
signs) rarely reach 0.8 and vanish from the pseudo labels. Class-balanced
thresholds (Zou et al., "Unsupervised Domain Adaptation for Semantic
Segmentation via Class-Balanced Self-Training", ECCV 2018) keep at least a
fraction P of each class's predicted pixels, its most confident ones::

    c_k   = max{c : |{u : k*(u) = k, p_k(u) >= c}| >= P * |{u : k*(u) = k}|}
    tau_k = min(tau_k^fixed, c_k)

over every unlabelled pixel u, with c_k read from a histogram of the
confidences (resolution 1 / bins; c_k is rounded down, so at least P is
kept).
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


def confidence_histogram(probs: Tensor, bins: int = 1000) -> Tensor:
    """(K, bins) counts of pixels by predicted class k* and its confidence
    p_{k*} (bin b holds [b / bins, (b + 1) / bins), 1.0 in the last).

    Args:
        probs: (..., K, H, W) probabilities (softmax over K).
    """
    num_classes = probs.shape[-3]
    confidence, labels = probs.max(dim=-3)
    bin_idx = (confidence * bins).long().clamp_(0, bins - 1)
    flat = labels.flatten() * bins + bin_idx.flatten()
    return torch.bincount(
        flat, minlength=num_classes * bins).view(num_classes, bins)


def class_balanced_thresholds(histogram: Tensor, fraction: float,
                              ceiling: Tensor) -> Tensor:
    """tau_k = min(ceiling_k, c_k) (see the module docstring) from the
    (K, bins) :func:`confidence_histogram` of the unlabelled set. A class
    that is never predicted keeps its ceiling.

    Raises:
        ValueError: ``fraction`` outside (0, 1] or a ceiling per class
            missing.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f'the kept fraction P must be in (0, 1], got '
                         f'{fraction}')
    num_classes, bins = histogram.shape
    if ceiling.shape != (num_classes, ):
        raise ValueError(f'{num_classes} classes need as many thresholds, '
                         f'got shape {tuple(ceiling.shape)}')
    # at_or_above[k, b]: pixels of class k with confidence >= b / bins
    at_or_above = histogram.flip(1).cumsum(1).flip(1).double()
    enough = at_or_above >= fraction * at_or_above[:, :1]
    highest = bins - 1 - enough.flip(1).long().argmax(1)
    tau = torch.minimum(ceiling.double(), highest.double() / bins)
    tau[at_or_above[:, 0] == 0] = ceiling.double()[at_or_above[:, 0] == 0]
    return tau.to(ceiling.dtype)
