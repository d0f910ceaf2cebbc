import math

import pytest
import torch

from mmssl_seg.models.losses import class_weighted_cross_entropy
from mmssl_seg.registry import MODELS

IGNORE = 255


def reference_loss(pred, label, class_weight):
    """Loops over pixels: sum w_y * (-log softmax_y) / sum w_y, labelled
    pixels only."""
    num = 0.
    den = 0.
    n, _, h, w = pred.shape
    for b in range(n):
        for i in range(h):
            for j in range(w):
                y = int(label[b, i, j])
                if y == IGNORE:
                    continue
                logits = [float(v) for v in pred[b, :, i, j]]
                log_z = math.log(sum(math.exp(v) for v in logits))
                num += class_weight[y] * (log_z - logits[y])
                den += class_weight[y]
    return num / den


def batch_with_void(seed=0):
    g = torch.Generator().manual_seed(seed)
    pred = torch.randn(2, 4, 5, 6, generator=g)
    label = torch.randint(0, 4, (2, 5, 6), generator=g)
    label[0, :2] = IGNORE
    label[1, :, 0] = IGNORE
    return pred, label


def test_weighted_mean_over_labelled_pixels_matches_a_pixel_loop():
    pred, label = batch_with_void()
    weights = [0.2, 1.0, 4.5, 9.0]
    loss = MODELS.build(
        dict(type='ClassWeightedCrossEntropyLoss', class_weight=weights))
    value = loss(pred, label, ignore_index=IGNORE)
    assert value.item() == pytest.approx(
        reference_loss(pred, label, weights), rel=1e-5)


def test_unit_weights_give_the_plain_mean_of_mmseg_cross_entropy():
    pred, label = batch_with_void(1)
    ours = MODELS.build(
        dict(type='ClassWeightedCrossEntropyLoss', class_weight=[1.] * 4))
    plain = MODELS.build(dict(type='CrossEntropyLoss', avg_non_ignore=True))
    assert ours(pred, label, ignore_index=IGNORE).item() == pytest.approx(
        plain(pred, label, ignore_index=IGNORE).item(), rel=1e-6)


def test_mmseg_cross_entropy_with_class_weight_fails_on_void_labels():
    # the reason this loss exists; if mmseg fixes it, use theirs instead
    pred, label = batch_with_void()
    mmseg_loss = MODELS.build(
        dict(type='CrossEntropyLoss', class_weight=[0.2, 1.0, 4.5, 9.0]))
    with pytest.raises(IndexError):
        mmseg_loss(pred, label, ignore_index=IGNORE)


def test_pixel_weights_scale_terms_and_an_all_void_batch_gives_zero():
    pred, label = batch_with_void(2)
    weights = torch.tensor([0.5, 1.0, 2.0, 3.0])
    pixel_weight = torch.rand(label.shape)
    value = class_weighted_cross_entropy(
        pred, label, pixel_weight, weights, ignore_index=IGNORE)
    terms = class_weighted_cross_entropy(
        pred, label, None, weights, reduction='none', ignore_index=IGNORE)
    valid = label != IGNORE
    expected = (terms * pixel_weight).sum() / weights[label[valid]].sum()
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)

    void = torch.full_like(label, IGNORE)
    pred.requires_grad_(True)
    zero = class_weighted_cross_entropy(
        pred, void, class_weight=weights, ignore_index=IGNORE)
    zero.backward()
    assert zero.item() == 0 and torch.isfinite(pred.grad).all()


def test_rejects_negative_or_missing_weights():
    for bad in ([], [1.0, -0.1]):
        with pytest.raises(ValueError, match='class_weight'):
            MODELS.build(
                dict(type='ClassWeightedCrossEntropyLoss', class_weight=bad))


def test_replaces_mmseg_cross_entropy_by_a_merge_of_type_and_weights():
    """A head's loss dict (mmseg's CrossEntropyLoss, use_sigmoid=False)
    becomes this loss by merging type and class_weight into it."""
    base = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)
    merged = dict(base, type='ClassWeightedCrossEntropyLoss',
                  class_weight=[1.0, 2.0])
    assert MODELS.build(merged).class_weight == [1.0, 2.0]
    with pytest.raises(ValueError, match='use_sigmoid must be False'):
        MODELS.build(dict(merged, use_sigmoid=True))
