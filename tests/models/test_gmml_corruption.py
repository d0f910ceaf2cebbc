"""GMML group masked corruption (SiT, arXiv:2104.03602)."""
import pytest
import torch

from mmssl_seg.models.utils import GMMLCorruption
from mmssl_seg.registry import MODELS


def _images(n=4, size=(64, 64), seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, *size, generator=g)


def test_registered_under_its_name():
    built = MODELS.build(dict(type='GMMLCorruption', types='zeros'))
    assert isinstance(built, GMMLCorruption) and built.types == ['zeros']


@pytest.mark.parametrize('types,ratio', [('noise', 0.7), ('replace', 0.3)])
def test_corrupted_area_is_within_the_drawn_bounds(types, ratio):
    corrupt = GMMLCorruption(types=types, ratio=0.7, replace_ratio=0.3,
                             patch_size=8, seed=1)
    _, mask = corrupt(_images(n=16))
    area = mask.mean(dim=(1, 2, 3))
    largest_block = 0.25**2
    assert (area >= min(0.5, ratio)).all()
    assert (area < ratio + largest_block).all()


def test_aligned_masks_cover_whole_patches_only():
    x = _images(n=6, size=(44, 60))  # 5x7 whole 8x8 patches, then a rim
    _, mask = GMMLCorruption(types='zeros', patch_size=8,
                             align_to_patch=True, seed=0)(x)
    assert not mask[..., 40:, :].any() and not mask[..., 56:].any()
    cells = mask[:, 0, :40, :56].reshape(6, 5, 8, 7, 8)
    per_cell = cells.sum(dim=(2, 4))
    assert ((per_cell == 0) | (per_cell == 64)).all()
    _, unaligned = GMMLCorruption(types='zeros', patch_size=8, seed=0)(x)
    per_cell = unaligned[:, 0, :40, :56].reshape(6, 5, 8, 7, 8).sum((2, 4))
    assert ((per_cell > 0) & (per_cell < 64)).any()


def test_replace_takes_the_same_pixels_of_another_image():
    x = _images(n=4)
    out, mask = GMMLCorruption(types='replace', patch_size=8, seed=2)(x)
    for i in range(4):
        on = mask[i, 0].bool()
        donors = [
            j for j in range(4) if torch.equal(out[i][:, on], x[j][:, on])
        ]
        assert len(donors) == 1 and donors[0] != i


def test_copy_takes_pixels_from_the_same_image_only():
    x = torch.randperm(3 * 3 * 64 * 64).float().view(3, 3, 64, 64)  # unique
    out, mask = GMMLCorruption(types='copy', patch_size=8, seed=3)(x)
    for i in range(3):
        values = out[i][:, mask[i, 0].bool()].flatten()
        assert torch.isin(values, x[i]).all()
        assert not torch.isin(values, x[(i + 1) % 3]).any()


def test_zeros_and_noise_statistics():
    x = torch.full((8, 3, 64, 64), 5.0)
    out, mask = GMMLCorruption(types='zeros', patch_size=8, seed=0)(x)
    on = mask.bool().expand_as(x)
    assert (out[on] == 0).all() and (out[~on] == 5).all()
    out, mask = GMMLCorruption(types='noise', patch_size=8, seed=0)(x)
    on = mask.bool().expand_as(x)
    noise = out[on]
    assert noise.numel() > 20000
    assert abs(noise.mean()) < 0.03 and abs(noise.std() - 1) < 0.03
    assert (out[~on] == 5).all()


@pytest.mark.parametrize('types',
                         ['zeros', 'noise', 'replace', 'copy',
                          'noise-replace', 'zeros-copy'])
@pytest.mark.parametrize('aligned', [False, True])
def test_mask_marks_exactly_the_changed_pixels(types, aligned):
    x = _images(n=4, size=(48, 40))
    out, mask = GMMLCorruption(types=types, patch_size=8,
                               align_to_patch=aligned, seed=4)(x)
    assert mask.shape == (4, 1, 48, 40) and mask.dtype == x.dtype
    assert torch.equal(mask[:, 0].bool(), (out != x).any(dim=1))


def test_same_seed_same_corruption_other_seed_other():
    x = _images()

    def run(seed):
        return GMMLCorruption(types='noise-replace', patch_size=8,
                              seed=seed)(x)

    (a, mask_a), (b, mask_b), (_, mask_c) = run(7), run(7), run(8)
    assert torch.equal(a, b) and torch.equal(mask_a, mask_b)
    assert not torch.equal(mask_a, mask_c)


@pytest.mark.parametrize('kwargs,match', [
    (dict(ratio=0.), r'ratio must be in \(0, 1\], got 0.0'),
    (dict(ratio=1.5), r'ratio must be in \(0, 1\], got 1.5'),
    (dict(replace_ratio=-0.1), r'replace_ratio must be in \(0, 1\]'),
    (dict(types='noise-blur'), "got 'noise-blur'"),
])
def test_bad_arguments_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GMMLCorruption(**kwargs)


def test_image_smaller_than_a_patch_and_replace_alone_are_errors():
    with pytest.raises(ValueError, match='12x20 image is smaller than one '
                       '16x16 patch'):
        GMMLCorruption()(torch.zeros(2, 3, 12, 20))
    with pytest.raises(ValueError, match='batch of at least 2'):
        GMMLCorruption(types='replace')(torch.zeros(1, 3, 32, 32))
