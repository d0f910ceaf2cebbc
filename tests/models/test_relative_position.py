"""Relative positions of view-b patches in view a (SIM, arXiv:2206.01204)."""
import math

import pytest
import torch
from mmpretrain.models.utils import build_2d_sincos_position_embedding

from mmssl_seg.models.utils import (RelativePositionEmbedding,
                                    grid_positions, relative_patch_positions,
                                    sincos_features)
from mmssl_seg.registry import MODELS

BOX = torch.tensor([[30., 40., 120., 120.]])  # 12x12 grid: 10 px patches
NO = torch.tensor([False])
YES = torch.tensor([True])


def _rel(box_a, box_b, flip_a=NO, flip_b=NO, grid=(12, 12)):
    return relative_patch_positions(box_a, box_b, flip_a, flip_b, grid)


def test_grid_positions_are_row_major():
    pos = grid_positions((2, 3))
    assert torch.equal(
        pos, torch.tensor([[0., 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]))


def test_identical_views_give_the_identity_grid():
    pos, log_scale = _rel(BOX, BOX)
    assert pos.shape == (1, 144, 2) and log_scale.shape == (1, 2)
    torch.testing.assert_close(pos[0], grid_positions((12, 12)))
    torch.testing.assert_close(log_scale, torch.zeros(1, 2))


@pytest.mark.parametrize('dr,dc', [(2, 0), (0, -3), (1, 4)])
def test_crop_shifted_by_k_patches_shifts_the_grid_by_k(dr, dc):
    shifted = BOX + torch.tensor([[10. * dr, 10. * dc, 0, 0]])
    pos, log_scale = _rel(BOX, shifted)
    expected = grid_positions((12, 12)) + torch.tensor([float(dr), dc])
    torch.testing.assert_close(pos[0], expected)
    torch.testing.assert_close(log_scale, torch.zeros(1, 2))


@pytest.mark.parametrize('anchor', ['centre', 'top-left'])
def test_crop_twice_as_large_scales_the_grid_by_two(anchor):
    box_a = torch.tensor([[100., 100., 60., 60.]])  # 6x6 grid
    if anchor == 'centre':
        box_b = torch.tensor([[70., 70., 120., 120.]])
        fixed = 2.5  # the grid centre, (gh - 1) / 2
    else:
        box_b = torch.tensor([[100., 100., 120., 120.]])
        fixed = -0.5  # the top-left corner of patch (0, 0)
    pos, log_scale = _rel(box_a, box_b, grid=(6, 6))
    grid = grid_positions((6, 6))
    torch.testing.assert_close(pos[0], 2 * (grid - fixed) + fixed)
    torch.testing.assert_close(log_scale, torch.full((1, 2), math.log(2)))


@pytest.mark.parametrize('flip_a,flip_b', [(NO, YES), (YES, NO)])
def test_flipping_one_view_mirrors_the_columns(flip_a, flip_b):
    pos, _ = _rel(BOX, BOX, flip_a, flip_b)
    grid = grid_positions((12, 12))
    torch.testing.assert_close(pos[0, :, 0], grid[:, 0])
    torch.testing.assert_close(pos[0, :, 1], 11 - grid[:, 1])


def test_flipping_both_identical_views_gives_the_identity():
    pos, _ = _rel(BOX, BOX, YES, YES)
    torch.testing.assert_close(pos[0], grid_positions((12, 12)))


def test_flip_of_a_shifted_view_mirrors_before_the_shift():
    # b is a shifted 2 patches right, then mirrored: its column v shows the
    # image column of unflipped column 11 - v, i.e. a's column 13 - v
    shifted = BOX + torch.tensor([[0., 20., 0, 0]])
    pos, _ = _rel(BOX, shifted, NO, YES)
    torch.testing.assert_close(pos[0, :, 1],
                               13 - grid_positions((12, 12))[:, 1])


def test_non_square_grid_and_patches():
    # 4x6 grid; a's patches are 15 px tall and 20 px wide
    box_a = torch.tensor([[0., 0., 60., 120.]])
    box_b = torch.tensor([[15., 40., 60., 120.]])  # +1 row, +2 columns
    pos, log_scale = _rel(box_a, box_b, grid=(4, 6))
    expected = grid_positions((4, 6)) + torch.tensor([1., 2.])
    assert pos.shape == (1, 24, 2)
    torch.testing.assert_close(pos[0], expected)
    pos, log_scale = _rel(box_a, torch.tensor([[0., 0., 30., 240.]]),
                          grid=(4, 6))
    torch.testing.assert_close(
        log_scale, torch.tensor([[math.log(0.5), math.log(2.)]]))
    grid = grid_positions((4, 6))
    torch.testing.assert_close(pos[0, :, 0], 0.5 * (grid[:, 0] + 0.5) - 0.5)
    torch.testing.assert_close(pos[0, :, 1], 2 * (grid[:, 1] + 0.5) - 0.5)


def test_batch_elements_are_independent():
    boxes_a = torch.tensor([[0., 0., 60., 60.], [10., 5., 30., 50.]])
    boxes_b = torch.tensor([[6., 3., 90., 30.], [0., 0., 40., 40.]])
    flips_a = torch.tensor([True, False])
    flips_b = torch.tensor([False, True])
    pos, log_scale = relative_patch_positions(boxes_a, boxes_b, flips_a,
                                              flips_b, (3, 5))
    for i in range(2):
        one, scale = relative_patch_positions(boxes_a[i:i + 1],
                                              boxes_b[i:i + 1],
                                              flips_a[i:i + 1],
                                              flips_b[i:i + 1], (3, 5))
        torch.testing.assert_close(pos[i:i + 1], one)
        torch.testing.assert_close(log_scale[i:i + 1], scale)


def test_hand_computed_sincos_features():
    pos = torch.tensor([[[1.5, -2.0]]], dtype=torch.float64)
    log_scale = torch.tensor([[math.log(2.), 0.]], dtype=torch.float64)
    # D = 8: d = 2, omega = (1, 1 / 100)
    s = 10 * math.log(2.)
    expected = [
        math.sin(1.5), math.sin(0.015), math.cos(1.5), math.cos(0.015),
        math.sin(-2.), math.sin(-0.02), math.cos(-2.), math.cos(-0.02),
        math.sin(s), math.sin(s / 100), math.cos(s), math.cos(s / 100),
        0., 0., 1., 1.
    ]
    feats = sincos_features(pos, log_scale, 8, 10., 10000.)
    assert feats.shape == (1, 1, 16)
    torch.testing.assert_close(feats[0, 0],
                               torch.tensor(expected, dtype=torch.float64))


def test_position_part_matches_the_fixed_sincos_embedding_of_a_vit():
    # mmpretrain's embedding of a square grid, in its token order
    fixed = build_2d_sincos_position_embedding(6, 32)[0]
    feats = sincos_features(grid_positions((6, 6))[None], torch.zeros(1, 2),
                            32)
    torch.testing.assert_close(feats[0, :, :32], fixed)


def test_mask_token_of_a_patch_seen_in_a_matches_that_a_token():
    embed = RelativePositionEmbedding(embed_dims=16)
    grid = grid_positions((12, 12))[None]
    zero = torch.zeros(1, 2)
    own = embed(grid, zero)  # view-a tokens at their own positions
    assert own.shape == (1, 144, 16)
    pos, log_scale = _rel(BOX, BOX)
    torch.testing.assert_close(embed(pos, log_scale), own)
    # b two patches lower: b's patch (u, v) is a's patch (u + 2, v)
    pos, log_scale = _rel(BOX, BOX + torch.tensor([[20., 0, 0, 0]]))
    from_b = embed(pos, log_scale).view(12, 12, 16)
    torch.testing.assert_close(from_b[:10], own.view(12, 12, 16)[2:])
    assert not torch.allclose(from_b[:10], own.view(12, 12, 16)[:10])


def test_scale_changes_the_embedding_and_module_is_registered():
    embed = MODELS.build(dict(type='RelativePositionEmbedding',
                              embed_dims=8))
    assert isinstance(embed, RelativePositionEmbedding)
    pos = grid_positions((2, 2))[None]
    same = embed(pos, torch.zeros(1, 2))
    larger = embed(pos, torch.full((1, 2), math.log(2.)))
    assert not torch.allclose(same, larger)


@pytest.mark.parametrize('boxes,match', [
    (torch.zeros(2, 3), r'\(B, 4\)'),
    (torch.zeros(4), r'\(B, 4\)'),
    (torch.tensor([[0., 0., 0., 10.]]), 'positive'),
    (torch.tensor([[0., 0., 10., -1.]]), 'positive'),
])
def test_bad_boxes_are_refused(boxes, match):
    with pytest.raises(ValueError, match=match):
        relative_patch_positions(BOX, boxes, NO, NO, (4, 4))
    with pytest.raises(ValueError, match=match):
        relative_patch_positions(boxes, BOX, NO, NO, (4, 4))


def test_other_bad_inputs_are_refused():
    with pytest.raises(ValueError, match='flips_b'):
        relative_patch_positions(BOX, BOX, NO, torch.tensor([[True]]),
                                 (4, 4))
    with pytest.raises(ValueError, match='grid'):
        relative_patch_positions(BOX, BOX, NO, NO, (4, 0))
    with pytest.raises(ValueError, match='multiple of 4'):
        RelativePositionEmbedding(embed_dims=6)
    with pytest.raises(ValueError, match='multiple of 4'):
        sincos_features(torch.zeros(1, 1, 2), torch.zeros(1, 2), 10)
    with pytest.raises(ValueError, match='log_scale'):
        sincos_features(torch.zeros(2, 1, 2), torch.zeros(1, 2), 8)
