"""Positions of one view's patches in another view's frame, for SIM.

SIM (Tao et al., arXiv:2206.01204) decodes the features of view b from view
a; the mask tokens of view b carry the positions of view-b patches relative
to view a, plus the relative scale of the two crops, so the decoder knows
where (and how large) to look. Views come from
:class:`mmssl_seg.datasets.transforms.RandomResizedCropWithBox` (box
``(top, left, h, w)`` in the original image) followed by an optional
horizontal flip of the crop; both views share one (gh, gw) patch grid.

The centre of view-b patch (u, v) in the original image::

    y = top_b + h_b * (u + 0.5) / gh
    x = left_b + w_b * c,   c = (v + 0.5) / gw   (1 - c if flip_b)

and in view a's patch units (view-a patch (r, c) sits at (r, c))::

    row = (y - top_a) / h_a * gh - 0.5
    n = (x - left_a) / w_a                       (1 - n if flip_a)
    col = n * gw - 0.5

with the relative scale ``(log(h_b / h_a), log(w_b / w_a))``.
"""
import math
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


def _grid(grid: Sequence[int]) -> Tuple[int, int]:
    if len(grid) != 2 or any(int(g) != g or g < 1 for g in grid):
        raise ValueError(f'grid must be two positive ints, got {grid}')
    return int(grid[0]), int(grid[1])


def grid_positions(grid: Sequence[int], device=None) -> Tensor:
    """(row, col) of every patch of a (gh, gw) grid.

    Returns:
        Tensor: float32 (gh * gw, 2), row-major.
    """
    gh, gw = _grid(grid)
    rows = torch.arange(gh, dtype=torch.float32, device=device)
    cols = torch.arange(gw, dtype=torch.float32, device=device)
    r, c = torch.meshgrid(rows, cols, indexing='ij')
    return torch.stack([r.flatten(), c.flatten()], dim=-1)


def _check_boxes(boxes, name: str) -> Tensor:
    boxes = torch.as_tensor(boxes)
    if not boxes.is_floating_point():
        boxes = boxes.float()
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise ValueError(f'{name} must be (B, 4) as (top, left, height, '
                         f'width), got shape {tuple(boxes.shape)}')
    if not bool((boxes[:, 2:] > 0).all()):
        raise ValueError(f'{name} must have positive heights and widths')
    return boxes


def _check_flips(flips, batch: int, name: str, device) -> Tensor:
    flips = torch.as_tensor(flips, device=device)
    if flips.shape != (batch, ):
        raise ValueError(f'{name} must be ({batch},), got shape '
                         f'{tuple(flips.shape)}')
    return flips.bool()


def relative_patch_positions(boxes_a, boxes_b, flips_a, flips_b,
                             grid: Sequence[int]) -> Tuple[Tensor, Tensor]:
    """Centres of view-b patches in view a's patch units.

    Args:
        boxes_a, boxes_b (Tensor): (B, 4) crop boxes ``(top, left, height,
            width)`` in the original image's pixels.
        flips_a, flips_b (Tensor): (B,) bool, horizontal flip of each crop.
        grid (tuple[int, int]): (gh, gw), the patch grid of both views.

    Returns:
        tuple[Tensor, Tensor]: ``pos`` (B, gh * gw, 2), the (row, col) of
        view-b patch u * gw + v in view a (view-a patch (r, c) is at
        (r, c)); ``log_scale`` (B, 2), ``(log(h_b / h_a), log(w_b / w_a))``.
    """
    gh, gw = _grid(grid)
    boxes_a = _check_boxes(boxes_a, 'boxes_a')
    boxes_b = _check_boxes(boxes_b, 'boxes_b').to(boxes_a)
    if boxes_a.shape != boxes_b.shape:
        raise ValueError('boxes_a and boxes_b differ in shape: '
                         f'{tuple(boxes_a.shape)} vs {tuple(boxes_b.shape)}')
    batch = boxes_a.shape[0]
    flips_a = _check_flips(flips_a, batch, 'flips_a', boxes_a.device)
    flips_b = _check_flips(flips_b, batch, 'flips_b', boxes_a.device)

    unit = grid_positions((gh, gw), boxes_a.device).to(boxes_a.dtype)
    frac_r = (unit[:, 0] + 0.5) / gh  # (N,)
    frac_c = (unit[:, 1] + 0.5) / gw
    frac_c = torch.where(flips_b[:, None], 1 - frac_c, frac_c)  # (B, N)

    top_a, left_a, h_a, w_a = boxes_a.unbind(-1)
    top_b, left_b, h_b, w_b = boxes_b.unbind(-1)
    y = top_b[:, None] + h_b[:, None] * frac_r
    x = left_b[:, None] + w_b[:, None] * frac_c
    row = (y - top_a[:, None]) / h_a[:, None] * gh - 0.5
    n = (x - left_a[:, None]) / w_a[:, None]
    n = torch.where(flips_a[:, None], 1 - n, n)
    col = n * gw - 0.5
    pos = torch.stack([row, col], dim=-1)
    log_scale = torch.stack([torch.log(h_b / h_a), torch.log(w_b / w_a)], -1)
    return pos, log_scale


def sincos_features(pos: Tensor,
                    log_scale: Tensor,
                    embed_dims: int,
                    scale_factor: float = 10.0,
                    temperature: float = 10000.) -> Tensor:
    """Sin-cos features of positions and relative scales.

    With d = embed_dims / 4 and omega_k = temperature^(-k / d), k < d::

        [sin(row w), cos(row w), sin(col w), cos(col w),
         sin(s dh w), cos(s dh w), sin(s dw w), cos(s dw w)]

    for ``pos = (row, col)``, ``log_scale = (dh, dw)`` and s =
    ``scale_factor``. At the integer positions of a square grid, the first
    four blocks equal mmpretrain's ``build_2d_sincos_position_embedding``
    (MAE's fixed embedding).

    Args:
        pos (Tensor): (B, N, 2).
        log_scale (Tensor): (B, 2), shared by the N positions.

    Returns:
        Tensor: (B, N, 2 * embed_dims).
    """
    if embed_dims % 4 or embed_dims <= 0:
        raise ValueError(
            f'embed_dims must be a positive multiple of 4, got {embed_dims}')
    if pos.dim() != 3 or pos.shape[-1] != 2:
        raise ValueError(f'pos must be (B, N, 2), got {tuple(pos.shape)}')
    if log_scale.shape != (pos.shape[0], 2):
        raise ValueError(f'log_scale must be ({pos.shape[0]}, 2), got '
                         f'{tuple(log_scale.shape)}')
    d = embed_dims // 4
    omega = torch.arange(d, dtype=pos.dtype, device=pos.device) / d
    omega = 1. / temperature**omega

    def waves(t):  # (..., ) -> (..., 2d)
        t = t[..., None] * omega
        return torch.cat([t.sin(), t.cos()], dim=-1)

    place = torch.cat([waves(pos[..., 0]), waves(pos[..., 1])], dim=-1)
    scale = torch.cat([
        waves(scale_factor * log_scale[:, 0]),
        waves(scale_factor * log_scale[:, 1])
    ], dim=-1)
    scale = scale[:, None].expand(-1, pos.shape[1], -1)
    return torch.cat([place, scale], dim=-1)


@MODELS.register_module()
class RelativePositionEmbedding(BaseModule):
    """Embedding of relative positions and scales: :func:`sincos_features`
    followed by ``Linear(2 * embed_dims, embed_dims)``.

    Args:
        embed_dims (int): D, a multiple of 4.
        scale_factor (float): s, multiplies the log scales. Defaults to 10.
        temperature (float): Defaults to 10000.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 scale_factor: float = 10.0,
                 temperature: float = 10000.,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(embed_dims, int) or embed_dims <= 0 or \
                embed_dims % 4:
            raise ValueError('embed_dims must be a positive multiple of 4, '
                             f'got {embed_dims!r}')
        if not (math.isfinite(temperature) and temperature > 0):
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.embed_dims = embed_dims
        self.scale_factor = scale_factor
        self.temperature = temperature
        self.proj = nn.Linear(2 * embed_dims, embed_dims)

    def forward(self, pos: Tensor, log_scale: Tensor) -> Tensor:
        """(B, N, 2) positions, (B, 2) log scales -> (B, N, D)."""
        feats = sincos_features(pos, log_scale, self.embed_dims,
                                self.scale_factor, self.temperature)
        return self.proj(feats.to(self.proj.weight.dtype))
