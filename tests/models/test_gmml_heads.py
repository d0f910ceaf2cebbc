"""SiT's reconstruction and contrastive heads, and NT-Xent."""
import math

import pytest
import torch
from torch import nn

from mmssl_seg.models.heads import (GMMLContrastiveHead,
                                    GMMLReconstructionHead)
from mmssl_seg.models.losses import NTXentLoss


def _layers(module, kind):
    return [m for m in module.modules() if isinstance(m, kind)]


def test_reconstruction_head_paper_and_code_forms():
    paper = GMMLReconstructionHead(in_channels=8, patch_size=4)
    assert [(m.in_features, m.out_features)
            for m in _layers(paper, nn.Linear)] == [(8, 2048), (2048, 2048)]
    assert len(_layers(paper, nn.GELU)) == 2
    code = GMMLReconstructionHead(in_channels=8, patch_size=4, num_fcs=3,
                                  hidden_channels=8)
    assert [(m.in_features, m.out_features)
            for m in _layers(code, nn.Linear)] == [(8, 8)] * 3
    conv = code.to_pixels
    assert (conv.in_channels, conv.out_channels, conv.kernel_size,
            conv.stride) == (8, 3, (4, 4), (4, 4))
    image = code(torch.randn(2, 6, 8), (2, 3))
    assert image.shape == (2, 3, 8, 12)


def _constant_head(corrupted_only):
    """Predicts the colour (0.5, -1, 2) everywhere (zero weights, bias)."""
    head = GMMLReconstructionHead(in_channels=4, patch_size=2,
                                  hidden_channels=4,
                                  corrupted_only=corrupted_only)
    for p in head.parameters():
        nn.init.zeros_(p)
    head.to_pixels.bias.data = torch.tensor([0.5, -1., 2.])
    return head


@pytest.mark.parametrize('corrupted_only,expected',
                         [(True, 5 / 6), (False, 11 / 12)])
def test_reconstruction_loss_by_hand(corrupted_only, expected):
    target = torch.tensor([[[[1., 0.], [0., 0.]],
                            [[-1., -1.], [3., 0.]],
                            [[2., 2.], [2., -2.]]]])
    mask = torch.tensor([[[[1., 0.], [1., 0.]]]])
    # corrupted pixels (0,0), (1,0): |.5-1| + |.5-0| + |-1+1| + |-1-3| + 0
    # + 0 = 5 over 6 values; all pixels add .5 + 0 + 0 + .5 + 1 + 4 = 6
    loss = _constant_head(corrupted_only).loss(
        torch.randn(1, 1, 4), (1, 1), target, mask)
    assert loss.item() == pytest.approx(expected)


def test_reconstruction_of_another_size_than_the_target_is_an_error():
    head = GMMLReconstructionHead(in_channels=4, patch_size=4)
    with pytest.raises(ValueError, match='multiples of the patch size'):
        head.loss(torch.randn(1, 4, 4), (2, 2), torch.zeros(1, 3, 9, 9),
                  torch.ones(1, 1, 9, 9))


def test_contrastive_head_projection():
    head = GMMLContrastiveHead(in_channels=8, hidden_channels=16,
                               out_channels=4)
    kinds = [type(m) for m in head.mlp]
    assert kinds == [nn.Linear, nn.BatchNorm1d, nn.GELU] * 2 + [nn.Linear]
    assert head(torch.randn(5, 8)).shape == (5, 4)
    assert GMMLContrastiveHead(in_channels=8).mlp[-1].out_features == 256


def _slow_simclr(a, b, t):
    z = [v / v.norm() for v in torch.cat([a, b])]
    n2 = len(z)
    total = 0
    for u in range(n2):
        v = (u + n2 // 2) % n2
        denominator = sum(torch.exp(z[u] @ z[w] / t)
                          for w in range(n2) if w != u)
        total = total - torch.log(torch.exp(z[u] @ z[v] / t) / denominator)
    return total / n2


def _slow_moco(q, k, t):
    q = [v / v.norm() for v in q]
    k = [v / v.norm() for v in k]
    total = 0
    for i in range(len(q)):
        denominator = sum(torch.exp(q[i] @ kj / t) for kj in k)
        total = total - torch.log(torch.exp(q[i] @ k[i] / t) / denominator)
    return 2 * t * total / len(q)


@pytest.mark.parametrize('form,slow', [('simclr', _slow_simclr),
                                       ('moco', _slow_moco)])
def test_nt_xent_matches_a_slow_loop_in_value_and_gradient(form, slow):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(5, 7, generator=g, dtype=torch.float64,
                    requires_grad=True)
    b = torch.randn(5, 7, generator=g, dtype=torch.float64,
                    requires_grad=True)
    fast = NTXentLoss(temperature=0.2, form=form)(a, b)
    grads = torch.autograd.grad(fast, (a, b))
    reference = slow(a, b, 0.2)
    reference_grads = torch.autograd.grad(reference, (a, b))
    torch.testing.assert_close(fast, reference)
    for got, want in zip(grads, reference_grads):
        torch.testing.assert_close(got, want)
    assert fast.item() > 0.1  # random pairs are far from solved


def test_nt_xent_of_identical_distant_pairs_is_small():
    pairs = torch.eye(4) * 3
    loss = NTXentLoss(temperature=0.2)(pairs, pairs)
    # each anchor: positive at cos 1, 6 negatives at cos 0
    expected = -math.log(math.exp(5) / (math.exp(5) + 6))
    assert loss.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('kwargs', [dict(form='byol'),
                                    dict(temperature=0.)])
def test_nt_xent_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        NTXentLoss(**kwargs)
