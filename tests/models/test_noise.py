import math

import pytest
import torch

from mmssl_seg.models.utils import GaussianNoise
from mmssl_seg.registry import MODELS


def _unit_batch(n=8, seed=123):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 64, 64, generator=g)


def test_default_is_scaled_sigma_022():
    noise = MODELS.build(dict(type='GaussianNoise'))
    assert noise.mode == 'scaled'
    assert noise.gamma == pytest.approx(1 / (1 + 0.22**2))
    assert 'sigma=0.2200' in repr(noise)


def test_scaled_matches_both_written_forms():
    x = _unit_batch()
    noisy, eps, gamma = GaussianNoise(sigma=0.22)(x)
    g = 1 / (1 + 0.22**2)
    assert torch.allclose(gamma, torch.full((8, ), g))
    # paper form sqrt(g) x + sqrt(1 - g) eps and public-code form
    # (x + sigma eps) / sqrt(1 + sigma^2) are the same corruption
    assert torch.allclose(noisy, math.sqrt(g) * x + math.sqrt(1 - g) * eps,
                          atol=1e-6)
    assert torch.allclose(noisy, (x + 0.22 * eps) / math.sqrt(1 + 0.22**2),
                          atol=1e-6)


def test_scaled_keeps_unit_variance_and_zero_mean():
    torch.manual_seed(0)
    x = _unit_batch(n=16)
    noisy, eps, _ = GaussianNoise(sigma=1.0)(x)  # gamma = 1/2: half noise
    assert noisy.mean().abs() < 0.01
    assert noisy.var().item() == pytest.approx(1.0, abs=0.01)
    assert eps.mean().abs() < 0.01
    assert eps.var().item() == pytest.approx(1.0, abs=0.01)
    # the paper's default level too (simple additive would give 1.048)
    noisy, _, _ = GaussianNoise()(x)
    assert noisy.var().item() == pytest.approx(1.0, abs=0.01)
    # noise is independent of the image
    assert torch.corrcoef(torch.stack([x.flatten(), eps.flatten()]))[0, 1] \
        .abs() < 0.01


def test_additive_inflates_variance():
    torch.manual_seed(0)
    x = _unit_batch(n=16)
    noisy, eps, gamma = GaussianNoise(sigma=0.5, mode='additive')(x)
    assert torch.allclose(noisy, x + 0.5 * eps, atol=1e-6)
    assert gamma[0].item() == pytest.approx(1 / 1.25)
    assert noisy.var().item() == pytest.approx(1.25, abs=0.015)


def test_gamma_given_directly_and_edge_levels():
    x = _unit_batch(n=2)
    noisy, eps, gamma = GaussianNoise(gamma=0.25)(x)
    assert torch.allclose(noisy, 0.5 * x + math.sqrt(0.75) * eps, atol=1e-6)
    assert torch.equal(gamma, torch.full((2, ), 0.25))
    for noise in (GaussianNoise(gamma=1.0), GaussianNoise(sigma=0.0),
                  GaussianNoise(sigma=0.0, mode='additive')):
        noisy, _, _ = noise(x)
        assert torch.allclose(noisy, x)


def test_random_gamma_per_sample():
    torch.manual_seed(0)
    n = 2000
    x = torch.randn(n, 1, 2, 2)
    noise = GaussianNoise(random_gamma=True)
    noisy, eps, gamma = noise(x)
    assert gamma.shape == (n, )
    assert gamma.min() > 0 and gamma.max() <= 1
    assert gamma.min() < 0.01 and gamma.max() > 0.99
    assert gamma.mean().item() == pytest.approx(0.5, abs=0.02)
    assert gamma.std().item() == pytest.approx(1 / math.sqrt(12), abs=0.01)
    # each sample uses its own gamma
    g = gamma.view(n, 1, 1, 1)
    assert torch.allclose(noisy, g.sqrt() * x + (1 - g).sqrt() * eps,
                          atol=1e-6)
    assert 'U(0,1]' in repr(noise)


def test_fixed_gamma_is_default():
    _, _, gamma = GaussianNoise()(_unit_batch(n=4))
    assert torch.unique(gamma).numel() == 1


@pytest.mark.parametrize('mode', ['scaled', 'additive'])
def test_denoise_and_noise_of_invert_the_corruption(mode):
    x = _unit_batch(n=4)
    noise = GaussianNoise(sigma=0.3, mode=mode)
    noisy, eps, gamma = noise(x)
    assert torch.allclose(noise.denoise(noisy, eps, gamma), x, atol=1e-5)
    assert torch.allclose(noise.noise_of(noisy, x, gamma), eps, atol=1e-4)


def test_follows_input_dtype():
    x = _unit_batch(n=2).double()
    noisy, eps, gamma = GaussianNoise(random_gamma=True)(x)
    assert noisy.dtype == eps.dtype == gamma.dtype == torch.float64


@pytest.mark.parametrize('kwargs, match', [
    (dict(sigma=-0.1), 'sigma must be >= 0, got -0.1'),
    (dict(gamma=0.0), r'gamma must be in \(0, 1\], got 0.0'),
    (dict(gamma=1.5), r'gamma must be in \(0, 1\], got 1.5'),
    (dict(gamma=-0.2), r'gamma must be in \(0, 1\], got -0.2'),
    (dict(sigma=0.2, gamma=0.5), 'not both'),
    (dict(mode='multiplicative'), "'multiplicative'"),
    (dict(random_gamma=True, gamma=0.5), 'random_gamma'),
    (dict(random_gamma=True, mode='additive'), "mode='scaled'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianNoise(**kwargs)
