import gc
import math

import pytest
import torch
import torch.nn.functional as F

from mmssl_seg.models.losses.pixel_contrast_loss import (
    PixelContrastLoss, flat_pixel_contrast_loss, pixel_contrast_loss)
from mmssl_seg.registry import MODELS

DENOMINATORS = ('all', 'negatives')


def reference_flat(z, labels, tau, denominator='all'):
    """Per-anchor Python loop over already normalised, valid pixels."""
    n = len(labels)
    labels = labels.tolist()
    anchor_losses = []
    for i in range(n):
        positives = [p for p in range(n) if p != i and labels[p] == labels[i]]
        if not positives:
            continue
        others = sum(torch.exp(z[i] @ z[a] / tau) for a in range(n) if a != i)
        negatives = sum(
            torch.exp(z[i] @ z[k] / tau) for k in range(n)
            if labels[k] != labels[i])
        terms = []
        for p in positives:
            numerator = torch.exp(z[i] @ z[p] / tau)
            if denominator == 'all':
                terms.append(-torch.log(numerator / others))
            else:
                terms.append(-torch.log(numerator / (numerator + negatives)))
        anchor_losses.append(sum(terms) / len(terms))
    return sum(anchor_losses) / len(anchor_losses) if anchor_losses else None


def reference_images(feats, labels, tau, ignore_index, mode, denominator):
    """Reference for (B, C, h, w) features at their own size, no sampling."""
    z = F.normalize(feats, dim=1).flatten(2).transpose(1, 2)
    labels = labels.flatten(1)
    if mode == 'batch':
        z, labels = z.reshape(1, -1, z.shape[-1]), labels.reshape(1, -1)
    losses = []
    for z_img, lab_img in zip(z, labels):
        valid = lab_img != ignore_index
        loss = reference_flat(z_img[valid], lab_img[valid], tau, denominator)
        if loss is not None:
            losses.append(loss)
    return sum(losses) / len(losses)


def make_inputs(seed=0, batch=2, channels=5, h=4, w=5, num_classes=3):
    g = torch.Generator().manual_seed(seed)
    feats = torch.randn(batch, channels, h, w, generator=g,
                        dtype=torch.float64)
    labels = torch.randint(num_classes, (batch, h, w), generator=g)
    labels[0, 0, :2] = 255  # ignored pixels
    labels[1, 1, 1] = 7  # an anchor without positives
    return feats, labels


def value_and_grad(fn, feats):
    feats = feats.clone().requires_grad_(True)
    loss = fn(feats)
    (grad, ) = torch.autograd.grad(loss, feats)
    return loss.detach(), grad


@pytest.mark.parametrize('impl', ['chunked', 'naive'])
@pytest.mark.parametrize('denominator', DENOMINATORS)
@pytest.mark.parametrize('mode', ['single', 'batch'])
def test_matches_reference_values_and_grads(impl, denominator, mode):
    feats, labels = make_inputs()
    for tau in (0.07, 0.5):
        loss, grad = value_and_grad(
            lambda f: pixel_contrast_loss(
                f, labels, tau, mode=mode, max_pixels=None, impl=impl,
                chunk_size=7, denominator=denominator), feats)
        ref, ref_grad = value_and_grad(
            lambda f: reference_images(f, labels, tau, 255, mode,
                                       denominator), feats)
        torch.testing.assert_close(loss, ref)
        torch.testing.assert_close(grad, ref_grad)
        assert grad[0, :, 0, :2].abs().max() == 0  # ignored pixels


@pytest.mark.parametrize('denominator', DENOMINATORS)
@pytest.mark.parametrize('chunk_size', [1, 7, 16, 60, 100])
def test_chunked_equals_naive(denominator, chunk_size):
    g = torch.Generator().manual_seed(1)
    z = F.normalize(torch.randn(60, 8, generator=g, dtype=torch.float64),
                    dim=1)
    labels = torch.randint(4, (60, ), generator=g)
    labels[:3] = torch.tensor([10, 11, 12])  # anchors without positives
    results = []
    for impl in ('naive', 'chunked'):
        zz = z.clone().requires_grad_(True)
        loss, count = flat_pixel_contrast_loss(zz, labels, 0.1, impl,
                                               chunk_size, denominator)
        loss.backward()
        results.append((loss.detach(), zz.grad, count))
    torch.testing.assert_close(results[0][0], results[1][0])
    torch.testing.assert_close(results[0][1], results[1][1])
    assert results[0][2] == results[1][2] == 57


@pytest.mark.parametrize('denominator', DENOMINATORS)
def test_chunked_gradcheck(denominator):
    g = torch.Generator().manual_seed(2)
    z = torch.randn(9, 3, generator=g, dtype=torch.float64,
                    requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 1, 2, 0, 3, 3])
    assert torch.autograd.gradcheck(
        lambda x: flat_pixel_contrast_loss(x, labels, 0.3, 'chunked', 4,
                                           denominator)[0], (z, ))


def test_chunked_keeps_no_pairwise_block_after_forward():
    n, c = 320, 4
    z = F.normalize(torch.randn(n, c, dtype=torch.float64), dim=1)
    z.requires_grad_(True)
    loss, _ = flat_pixel_contrast_loss(z, torch.randint(3, (n, )),
                                       chunk_size=32)
    saved = loss.grad_fn.saved_tensors
    assert sum(t.numel() for t in saved) <= n * c + 4 * n
    gc.collect()
    alive = [
        obj for obj in gc.get_objects()
        if issubclass(type(obj), torch.Tensor) and obj.numel() >= 32 * n
    ]
    assert not alive


def test_invariant_to_pixel_permutation():
    feats, labels = make_inputs(seed=3)
    perm = torch.randperm(20, generator=torch.Generator().manual_seed(0))
    feats_p = feats.flatten(2)[:, :, perm].reshape(feats.shape)
    labels_p = labels.flatten(1)[:, perm].reshape(labels.shape)
    for mode in ('single', 'batch'):
        for denominator in DENOMINATORS:
            kwargs = dict(mode=mode, max_pixels=None, chunk_size=6,
                          denominator=denominator)
            torch.testing.assert_close(
                pixel_contrast_loss(feats_p, labels_p, **kwargs),
                pixel_contrast_loss(feats, labels, **kwargs))


@pytest.mark.parametrize('impl', ['chunked', 'naive'])
@pytest.mark.parametrize('denominator', DENOMINATORS)
def test_no_anchor_gives_connected_zero(impl, denominator):
    feats = torch.randn(2, 3, 2, 2, requires_grad=True)
    no_positives = torch.tensor([[[0, 1], [2, 255]], [[255, 255], [255, 255]]])
    for labels in (torch.full((2, 2, 2), 255), no_positives):
        for mode in ('single', 'batch'):
            loss = pixel_contrast_loss(feats, labels, mode=mode, impl=impl,
                                       denominator=denominator)
            assert loss.item() == 0 and loss.grad_fn is not None
            (grad, ) = torch.autograd.grad(loss, feats)
            assert torch.isfinite(grad).all() and grad.abs().max() == 0


@pytest.mark.parametrize('impl', ['chunked', 'naive'])
def test_single_mode_averages_only_images_with_anchors(impl):
    feats, labels = make_inputs(seed=4)
    labels[1] = 255
    both = pixel_contrast_loss(feats, labels, impl=impl)
    first = pixel_contrast_loss(feats[:1], labels[:1], impl=impl)
    torch.testing.assert_close(both, first)


@pytest.mark.parametrize('impl', ['chunked', 'naive'])
@pytest.mark.parametrize('denominator', DENOMINATORS)
def test_three_pixel_hand_value_at_two_temperatures(impl, denominator):
    # Unnormalised input: normalisation happens inside the loss.
    feats = torch.tensor([[3., 0.], [0., 2.], [5., 0.]],
                         dtype=torch.float64).T.reshape(1, 2, 1, 3)
    labels = torch.tensor([[[0, 0, 1]]])
    for tau in (1.0, 0.25):
        # anchor 0: positive 1 (s=0), other 2 (s=1/tau); anchor 1: s=0, 0;
        # pixel 2 has no positive. Both denominators agree here.
        expected = (math.log(1 + math.exp(1 / tau)) + math.log(2)) / 2
        loss = pixel_contrast_loss(feats, labels, tau, impl=impl,
                                   denominator=denominator, chunk_size=2)
        assert loss.item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize('impl', ['chunked', 'naive'])
def test_single_and_batch_modes_on_hand_example(impl):
    x, y = [1., 0.], [0., 1.]
    feats = torch.tensor([[x, y, x], [x, x, y]],
                         dtype=torch.float64).permute(0, 2, 1)[:, :, None]
    labels = torch.tensor([[[0, 0, 1]], [[1, 1, 2]]])
    e = math.e
    # tau = 1. Image 0: (log(1+e) + log 2)/2; image 1: both x-pixels are
    # positives of each other against one y-pixel: log(1 + e^-1).
    single = ((math.log(1 + e) + math.log(2)) / 2 + math.log(1 + 1 / e)) / 2
    # Whole batch: pixel (0,0): log(2+3e); (0,1): log(4+e); (0,2), (1,0),
    # (1,1): log(2+3e) - 1 each; (1,2) has no positive.
    batch = (4 * math.log(2 + 3 * e) - 3 + math.log(4 + e)) / 5
    for mode, expected in (('single', single), ('batch', batch)):
        loss = pixel_contrast_loss(feats, labels, 1.0, mode=mode, impl=impl)
        assert loss.item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize('impl', ['chunked', 'naive'])
def test_low_precision_is_computed_in_float32(impl):
    feats, labels = make_inputs(seed=8)
    feats = feats.to(torch.bfloat16).requires_grad_(True)
    expected = pixel_contrast_loss(feats.double(), labels, impl=impl).float()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = pixel_contrast_loss(feats, labels, impl=impl)
        # float32 input under autocast: the loss still runs in float32.
        torch.testing.assert_close(
            pixel_contrast_loss(feats.float(), labels, impl=impl), expected)
    loss.backward()
    assert loss.dtype == torch.float32 and feats.grad.dtype == torch.bfloat16
    torch.testing.assert_close(loss, expected)
    assert torch.isfinite(feats.grad).all()


def test_feat_size_resizes_features_bilinear_and_labels_nearest():
    g = torch.Generator().manual_seed(5)
    feats = torch.randn(2, 4, 8, 8, generator=g, dtype=torch.float64)
    labels = torch.randint(3, (2, 8, 8), generator=g)
    labels[:, 0] = 255
    small_feats = F.interpolate(feats, size=(4, 4), mode='bilinear',
                                align_corners=False)
    small_labels = labels[:, ::2, ::2]  # nearest neighbour, factor 2
    expected = pixel_contrast_loss(small_feats, small_labels)
    torch.testing.assert_close(
        pixel_contrast_loss(feats, labels, feat_size=(4, 4)), expected)
    # Labels larger than the kept features go to the feature size.
    torch.testing.assert_close(
        pixel_contrast_loss(small_feats, labels, feat_size=None), expected)
    assert pixel_contrast_loss(feats, labels, feat_size=(4, 4)) != \
        pixel_contrast_loss(feats, labels)


def test_max_pixels_samples_valid_pixels_with_generator():
    feats, labels = make_inputs(seed=6, batch=2, h=6, w=6)
    valid = (labels.flatten() != 255).nonzero()[:, 0]
    perm = torch.randperm(valid.numel(),
                          generator=torch.Generator().manual_seed(9))
    keep = valid[perm[:12]]
    z = F.normalize(feats, dim=1).flatten(2).transpose(1, 2).reshape(-1, 5)
    expected, _ = flat_pixel_contrast_loss(z[keep], labels.flatten()[keep])
    loss = pixel_contrast_loss(feats, labels, mode='batch', max_pixels=12,
                               generator=torch.Generator().manual_seed(9))
    torch.testing.assert_close(loss, expected)
    # A cap above the number of valid pixels samples nothing.
    torch.testing.assert_close(
        pixel_contrast_loss(feats, labels, mode='batch', max_pixels=1000),
        pixel_contrast_loss(feats, labels, mode='batch', max_pixels=None))


def test_module_built_from_registry():
    loss_fn = MODELS.build(
        dict(type='PixelContrastLoss', temperature=0.5, mode='batch',
             feat_size=[4, 5], loss_weight=2.0, chunk_size=3))
    assert isinstance(loss_fn, PixelContrastLoss)
    assert loss_fn.loss_name == 'loss_pixel_contrast'
    feats, labels = make_inputs(seed=7)
    torch.testing.assert_close(
        loss_fn(feats, labels),
        2.0 * pixel_contrast_loss(feats, labels, 0.5, mode='batch'))


@pytest.mark.parametrize('kwargs, match', [
    (dict(temperature=0), 'temperature.*0'),
    (dict(temperature=-0.1), 'temperature.*-0.1'),
    (dict(mode='pairs'), "mode.*'pairs'"),
    (dict(impl='fast'), "impl.*'fast'"),
    (dict(denominator='pos'), "denominator.*'pos'"),
    (dict(chunk_size=0), 'chunk_size.*0'),
    (dict(max_pixels=1), 'max_pixels.*1'),
])
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PixelContrastLoss(**kwargs)
    feats, labels = make_inputs()
    with pytest.raises(ValueError, match=match):
        pixel_contrast_loss(feats, labels, **kwargs)


def test_bad_inputs_raise():
    feats, labels = make_inputs(batch=2)
    with pytest.raises(ValueError, match='batch size.*2 and 1'):
        pixel_contrast_loss(feats, labels[:1])
    with pytest.raises(ValueError, match='dtype torch.float'):
        pixel_contrast_loss(feats, labels.float())
    with pytest.raises(ValueError, match=r'\(2, 4, 5\)'):
        pixel_contrast_loss(feats[:, 0], labels)
