"""Fixed-count block-wise masking (BEiT arXiv:2106.08254, SIM
arXiv:2206.01204)."""
import pytest
import torch

from mmssl_seg.models.utils import FixedCountBlockMasking
from mmssl_seg.registry import MODELS


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _neighbour_pairs(masks, grid):
    """Masked 4-neighbour pairs per image: high for blocks, low for noise."""
    m = masks.view(-1, *grid)
    return ((m[:, 1:] & m[:, :-1]).sum((1, 2)) +
            (m[:, :, 1:] & m[:, :, :-1]).sum((1, 2)))


def test_registered_under_its_name():
    built = MODELS.build(dict(type='FixedCountBlockMasking', ratio=0.6))
    assert isinstance(built, FixedCountBlockMasking)


def test_sim_vit_b16_setting_masks_118_of_196():
    masking = FixedCountBlockMasking(ratio=0.6)
    masks = masking(8, grid=(14, 14), generator=_gen(0))
    assert masks.shape == (8, 196) and masks.dtype == torch.bool
    assert (masks.sum(1) == 118).all()


@pytest.mark.parametrize('grid,ratio', [((6, 6), 0.5), ((12, 12), 0.75),
                                        ((8, 10), 0.4), ((8, 10), 0.01),
                                        ((6, 6), 0.99), ((1, 2), 0.5)])
def test_exact_count_on_small_and_non_square_grids(grid, ratio):
    masking = FixedCountBlockMasking(ratio=ratio)
    masks = masking(16, grid=grid, generator=_gen(1))
    total = grid[0] * grid[1]
    num = min(max(round(ratio * total), 1), total - 1)
    assert masking.num_masked(grid) == num
    assert masks.shape == (16, total)
    assert (masks.sum(1) == num).all()


def test_min_num_patches_larger_than_the_grid():
    masking = FixedCountBlockMasking(ratio=0.5, min_num_patches=100)
    masks = masking(8, grid=(6, 6), generator=_gen(2))
    assert (masks.sum(1) == 18).all()


def test_masks_are_blocks_not_scattered_patches():
    grid, num = (14, 14), 78
    masks = FixedCountBlockMasking(ratio=0.4)(32, grid, generator=_gen(3))
    g = _gen(3)
    scattered = torch.zeros(32, 196, dtype=torch.bool)
    for row in scattered:
        row[torch.randperm(196, generator=g)[:num]] = True
    blocks = _neighbour_pairs(masks, grid).float().mean()
    noise = _neighbour_pairs(scattered, grid).float().mean()
    assert blocks > 1.5 * noise


def test_fallback_fills_the_rest_without_exceeding_the_count():
    # tall 2x1 blocks on a 2x10 grid: 5 whole columns give 10 patches (50
    # attempts in a row all hitting masked columns is ~1e-15 likely), the
    # 11th can only come from the random fill (a block would add 2)
    masking = FixedCountBlockMasking(
        ratio=0.55, min_num_patches=1, min_aspect=100., max_aspect=100.,
        max_attempts=50)
    masks = masking(16, grid=(2, 10), generator=_gen(4)).view(16, 2, 10)
    assert (masks.sum((1, 2)) == 11).all()
    per_column = masks.sum(1)
    assert ((per_column == 1).sum(1) == 1).all()
    assert ((per_column == 2).sum(1) == 5).all()


def test_same_generator_seed_same_masks_other_seed_other_masks():
    masking = FixedCountBlockMasking(ratio=0.6)
    a = masking(4, (12, 12), generator=_gen(5))
    b = masking(4, (12, 12), generator=_gen(5))
    c = masking(4, (12, 12), generator=_gen(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a[0], a[1])  # images of a batch differ


def test_device_argument_and_global_generator():
    torch.manual_seed(0)
    masks = FixedCountBlockMasking(ratio=0.3)(2, (6, 6), device='cpu')
    assert masks.device.type == 'cpu' and (masks.sum(1) == 11).all()


@pytest.mark.parametrize('ratio', [0., 1., -0.1, 1.5])
def test_ratio_outside_the_open_unit_interval_is_refused(ratio):
    with pytest.raises(ValueError, match='ratio'):
        FixedCountBlockMasking(ratio=ratio)


def test_other_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='aspect'):
        FixedCountBlockMasking(ratio=0.5, min_aspect=2., max_aspect=1.)
    with pytest.raises(ValueError, match='min_num_patches'):
        FixedCountBlockMasking(ratio=0.5, min_num_patches=0)
    with pytest.raises(ValueError, match='max_attempts'):
        FixedCountBlockMasking(ratio=0.5, max_attempts=0)
    with pytest.raises(ValueError, match='grid'):
        FixedCountBlockMasking(ratio=0.5)(2, (1, 1))
