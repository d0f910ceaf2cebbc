import time

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from mmssl_seg.models.losses import unigrad_loss as unigrad_module
from mmssl_seg.models.losses.unigrad_loss import UniGradLoss, unigrad
from mmssl_seg.registry import MODELS


def reference_unigrad(pred, target, neg_weight):
    """Python loops over tokens and pairs; no gradient into target."""
    target = target.detach()
    m, c = pred.shape
    pos = 0
    neg = 0
    for i in range(m):
        for k in range(c):
            pos = pos + (pred[i, k] - target[i, k])**2
        for j in range(m):
            neg = neg + (pred[i] @ target[j])**2
    return (pos / m + neg_weight * neg / m**2) / c


def reference_loss(pred, target, global_weight, dense_weight, center_dense,
                   neg_weight):
    """UniGradLoss built by hand from reference_unigrad."""
    total = 0
    if global_weight:
        total = total + global_weight * reference_unigrad(
            pred.mean(1), target.mean(1), neg_weight)
    if dense_weight:
        if center_dense:
            pred = pred - pred.mean(1, keepdim=True)
            target = target - target.mean(1, keepdim=True)
        total = total + dense_weight * reference_unigrad(
            pred.flatten(0, 1), target.flatten(0, 1), neg_weight)
    return total


def randn(*shape, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype)


def value_and_grad(fn, pred, target):
    """Loss and gradient wrt pred; target requires grad too, so that a
    gradient leaking into it would show up (not None)."""
    pred = pred.clone().requires_grad_(True)
    target = target.clone().requires_grad_(True)
    loss = fn(pred, target)
    grad_pred, grad_target = torch.autograd.grad(
        loss, [pred, target], allow_unused=True)
    return loss.detach(), grad_pred, grad_target


@pytest.mark.parametrize('neg_weight', [0.0, 0.02, 1.5])
def test_unigrad_matches_reference(neg_weight):
    # target shifted so that pos and neg are both far from 0
    pred, target = randn(7, 4, seed=1), randn(7, 4, seed=2) + 0.5
    loss, grad, grad_target = value_and_grad(
        lambda p, t: unigrad(p, t, neg_weight), pred, target)
    ref, ref_grad, _ = value_and_grad(
        lambda p, t: reference_unigrad(p, t, neg_weight), pred, target)
    assert loss.dtype == torch.float64 and loss.shape == ()
    torch.testing.assert_close(loss, ref, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-14)
    assert grad_target is None


def test_unigrad_float32_matches_reference():
    pred, target = randn(5, 3, seed=3), randn(5, 3, seed=4)
    loss, grad, _ = value_and_grad(lambda p, t: unigrad(p, t, 0.3),
                                   pred.float(), target.float())
    ref, ref_grad, _ = value_and_grad(
        lambda p, t: reference_unigrad(p, t, 0.3), pred, target)
    assert loss.dtype == torch.float32 and grad.dtype == torch.float32
    torch.testing.assert_close(loss.double(), ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(grad.double(), ref_grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('center_dense', [True, False])
def test_loss_matches_reference(center_dense):
    pred, target = randn(3, 4, 5, seed=5), randn(3, 4, 5, seed=6) + 0.3
    loss_fn = UniGradLoss(
        global_weight=0.7,
        dense_weight=1.3,
        center_dense=center_dense,
        neg_weight=0.4)
    loss, grad, grad_target = value_and_grad(loss_fn, pred, target)
    ref, ref_grad, _ = value_and_grad(
        lambda p, t: reference_loss(p, t, 0.7, 1.3, center_dense, 0.4), pred,
        target)
    torch.testing.assert_close(loss, ref, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-14)
    assert grad_target is None


def test_components_dense_and_global_terms():
    pred, target = randn(3, 6, 4, seed=7), randn(3, 6, 4, seed=8) + 1.0
    loss_fn = UniGradLoss(global_weight=0.7, dense_weight=1.3, neg_weight=0.5)
    comps = loss_fn.components(pred, target)
    assert set(comps) == {'loss_global', 'loss_dense'}
    # dense: each image's mean token subtracted from pred and target
    pred_c = pred - pred.mean(1, keepdim=True)
    target_c = target - target.mean(1, keepdim=True)
    dense = unigrad(pred_c.reshape(-1, 4), target_c.reshape(-1, 4), 0.5)
    torch.testing.assert_close(comps['loss_dense'], 1.3 * dense)
    # the centring matters for these inputs
    uncentred = unigrad(pred.reshape(-1, 4), target.reshape(-1, 4), 0.5)
    assert not torch.allclose(dense, uncentred, rtol=1e-3)
    # global: unigrad over the per-image mean tokens
    glob = unigrad(pred.mean(1), target.mean(1), 0.5)
    torch.testing.assert_close(comps['loss_global'], 0.7 * glob)
    torch.testing.assert_close(loss_fn(pred, target), 0.7 * glob + 1.3 * dense)


def test_code_form_is_plain_unigrad(monkeypatch):
    pred, target = randn(2, 5, 3, seed=9), randn(2, 5, 3, seed=10) + 1.0
    loss_fn = UniGradLoss(global_weight=0, center_dense=False)
    expected = unigrad(pred.reshape(10, 3), target.reshape(10, 3), 0.02)
    calls = []
    original = unigrad_module.unigrad

    def counting(*args, **kwargs):
        calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(unigrad_module, 'unigrad', counting)
    comps = loss_fn.components(pred, target)
    assert list(comps) == ['loss_dense']
    assert calls == [torch.Size([10, 3])]  # the global term is not computed
    torch.testing.assert_close(comps['loss_dense'], expected)
    torch.testing.assert_close(loss_fn(pred, target), expected)

    calls.clear()
    dense_off = UniGradLoss(dense_weight=0)
    assert list(dense_off.components(pred, target)) == ['loss_global']
    assert calls == [torch.Size([2, 3])]


def test_registry_build():
    loss_fn = MODELS.build(
        dict(type='UniGradLoss', global_weight=0, center_dense=False))
    assert isinstance(loss_fn, UniGradLoss)
    assert loss_fn.global_weight == 0 and not loss_fn.center_dense


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_inputs_computed_in_float32(dtype):
    pred32, target32 = randn(2, 8, 6, seed=11), randn(2, 8, 6, seed=12)
    pred = pred32.to(dtype).requires_grad_(True)
    target = target32.to(dtype)
    loss_fn = UniGradLoss(neg_weight=0.5)
    loss = loss_fn(pred, target)
    assert loss.dtype == torch.float32
    # the same (rounded) values in float32 give the same loss
    expected = loss_fn(pred.detach().float(), target.float())
    torch.testing.assert_close(loss, expected, rtol=1e-6, atol=1e-7)
    loss.backward()
    assert pred.grad.dtype == dtype and torch.isfinite(pred.grad).all()
    # autocast of the caller is turned off inside
    pred32, target32 = pred32.float(), target32.float()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        autocast_loss = loss_fn(pred32, target32)
    assert autocast_loss.dtype == torch.float32
    torch.testing.assert_close(
        autocast_loss, loss_fn(pred32, target32), rtol=1e-6, atol=1e-7)


class MaxNumel(TorchDispatchMode):
    """Largest number of elements of any tensor an op returns."""

    def __init__(self):
        super().__init__()
        self.max_numel = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for x in torch.utils._pytree.tree_leaves(out):
            if isinstance(x, torch.Tensor):
                self.max_numel = max(self.max_numel, x.numel())
        return out


def max_numel_forward_backward(fn, pred, target):
    pred = pred.clone().requires_grad_(True)
    with MaxNumel() as mode:
        fn(pred, target).backward()
    assert pred.grad is not None
    return mode.max_numel


def infonce(pred, target, temperature=0.2):
    logits = F.normalize(pred, dim=1) @ F.normalize(target, dim=1).T
    labels = torch.arange(pred.shape[0])
    return F.cross_entropy(logits / temperature, labels)


def test_no_m_by_m_intermediate():
    m, c = 64, 3
    pred, target = randn(m, c, seed=13), randn(m, c, seed=14)
    # the tracer sees the (M, M) logits of a contrastive loss ...
    assert max_numel_forward_backward(infonce, pred, target) >= m * m
    # ... and nothing of that size in UniGrad, forward or backward
    assert max_numel_forward_backward(unigrad, pred, target) <= m * c
    loss_fn = UniGradLoss()
    assert max_numel_forward_backward(
        loss_fn, pred.reshape(4, 16, c), target.reshape(4, 16, c)) <= m * c


def _dist_worker(rank, world_size, init_file, pred, target, kwargs, results):
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=world_size)
    try:
        rows = pred.shape[0] // world_size
        local = slice(rank * rows, (rank + 1) * rows)
        p = pred[local].clone().requires_grad_(True)
        comps = UniGradLoss(**kwargs).components(p, target[local])
        loss = sum(comps.values())
        loss.backward()
        torch.save(
            dict(
                loss=loss.detach(),
                comps={k: v.detach()
                       for k, v in comps.items()},
                grad=p.grad), f'{results}/rank{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_distributed_matches_single_process(tmp_path):
    world_size = 2
    pred, target = randn(4, 3, 5, seed=15), randn(4, 3, 5, seed=16) + 0.5
    kwargs = dict(global_weight=0.7, dense_weight=1.3, neg_weight=0.5)
    loss_fn = UniGradLoss(**kwargs)
    single = loss_fn.components(pred, target)
    _, grad, _ = value_and_grad(loss_fn, pred, target)

    ctx = mp.start_processes(
        _dist_worker,
        args=(world_size, tmp_path / 'init', pred, target, kwargs, tmp_path),
        nprocs=world_size,
        join=False,
        start_method='fork')
    deadline = time.monotonic() + 60
    while not ctx.join(timeout=1):
        if time.monotonic() > deadline:
            for proc in ctx.processes:
                proc.kill()
            pytest.fail('distributed workers did not finish in 60 s')
    out = [torch.load(tmp_path / f'rank{r}.pt') for r in range(world_size)]

    for key in ('loss_global', 'loss_dense'):
        mean = sum(o['comps'][key] for o in out) / world_size
        torch.testing.assert_close(mean, single[key], rtol=1e-12, atol=0)
    mean_loss = sum(o['loss'] for o in out) / world_size
    torch.testing.assert_close(mean_loss, sum(single.values()))
    rows = pred.shape[0] // world_size
    for rank, o in enumerate(out):
        torch.testing.assert_close(
            o['grad'] / world_size,
            grad[rank * rows:(rank + 1) * rows],
            rtol=1e-10,
            atol=1e-14)
    # the covariance reduction matters: process-local negatives differ
    local = UniGradLoss(**kwargs)(pred[:rows], target[:rows])
    assert not torch.allclose(local, out[0]['loss'], rtol=1e-3)


def test_bad_inputs():
    loss_fn = UniGradLoss()
    with pytest.raises(ValueError, match=r'\(2, 3, 4\) and \(2, 3, 5\)'):
        loss_fn(torch.zeros(2, 3, 4), torch.zeros(2, 3, 5))
    with pytest.raises(ValueError, match=r'\(B, N, C\).*\(6, 4\)'):
        loss_fn(torch.zeros(6, 4), torch.zeros(6, 4))
    with pytest.raises(ValueError, match=r'\(M, C\).*\(2, 3, 4\)'):
        unigrad(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r'\(5, 4\) and \(4, 4\)'):
        unigrad(torch.zeros(5, 4), torch.zeros(4, 4))
    with pytest.raises(ValueError, match=r'M > 0.*\(0, 4\)'):
        unigrad(torch.zeros(0, 4), torch.zeros(0, 4))
    with pytest.raises(ValueError, match='neg_weight must be >= 0, got -0.1'):
        unigrad(torch.zeros(2, 4), torch.zeros(2, 4), neg_weight=-0.1)
    with pytest.raises(ValueError, match='both 0'):
        UniGradLoss(global_weight=0, dense_weight=0)
    with pytest.raises(ValueError, match='global_weight must be >= 0, got -1'):
        UniGradLoss(global_weight=-1)
    with pytest.raises(ValueError, match='dense_weight must be >= 0, got -2'):
        UniGradLoss(dense_weight=-2)
    with pytest.raises(ValueError, match='neg_weight must be >= 0, got -0.5'):
        UniGradLoss(neg_weight=-0.5)
