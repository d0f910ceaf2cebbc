"""GMML corruption: connected groups of patches replaced in a batch.

From SiT (Atito, Awais, Kittler, arXiv:2104.03602) and GMML (Atito et al.,
arXiv:2205.14986). Each image x of a normalised batch gets one corruption
type, drawn uniformly from those named (``'noise-replace'``: noise or
replace), and a pixel mask M made of rectangular blocks. With the area
fraction a ~ U(min(0.5, r), r) for the type's ratio r (as the public code
draws it; r = a for r <= 0.5), blocks of sides U(5%, 25%) of the image side
are added at uniform positions (clipped at the border, overlaps allowed)
until the union covers a * H * W pixels. Then, on M::

    zeros:    x~ = 0              (the mean colour of the normalised data)
    noise:    x~ = eps, eps ~ N(0, I)
    replace:  x~ = x_j            (same location of another image j != i)
    copy:     x~ = x[shifted]     (each block from another location of x)

and x~ = x elsewhere. The paper caps the area at 70% for noise (``ratio``)
and 30% for replace (``replace_ratio``). Blocks are unaligned by default
(better on small data in the paper); aligned blocks start and end on patch
boundaries and cover whole patches only.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from mmssl_seg.registry import MODELS

Block = Tuple[int, int, int, int]  # top, left, height, width


@MODELS.register_module()
class GMMLCorruption(nn.Module):
    """Group masked corruption of a normalised (N, C, H, W) batch.

    Args:
        types (str): Corruption types joined by '-', each one of
            ``'zeros'``, ``'noise'``, ``'replace'`` (from another image of
            the batch), ``'copy'`` (from the same image). Defaults to
            ``'noise-replace'``, the paper's best.
        ratio (float): Largest corrupted area fraction for zeros, noise and
            copy, in (0, 1]. Defaults to 0.7.
        replace_ratio (float): The same for replace, in (0, 1]. Defaults to
            0.3.
        block_range (tuple[float, float]): Smallest and largest block side
            as a fraction of the image side. Defaults to (0.05, 0.25).
        patch_size (int): The encoder's patch side; images must be at least
            this large. Defaults to 16.
        align_to_patch (bool): Blocks on patch boundaries. Defaults to False.
        seed (int, optional): Seeds the module's own ``torch.Generator``;
            None draws from torch's global generator.
    """

    TYPES = ('zeros', 'noise', 'replace', 'copy')

    def __init__(self,
                 types: str = 'noise-replace',
                 ratio: float = 0.7,
                 replace_ratio: float = 0.3,
                 block_range: Sequence[float] = (0.05, 0.25),
                 patch_size: int = 16,
                 align_to_patch: bool = False,
                 seed: Optional[int] = None):
        super().__init__()
        self.types = types.split('-')
        unknown = [t for t in self.types if t not in self.TYPES]
        if unknown or len(set(self.types)) != len(self.types):
            raise ValueError(
                f'types must be distinct names from {self.TYPES} joined by '
                f"'-', got {types!r}")
        for name, value in (('ratio', ratio),
                            ('replace_ratio', replace_ratio)):
            if not 0 < value <= 1:
                raise ValueError(f'{name} must be in (0, 1], got {value}')
        low, high = block_range
        if not 0 < low <= high <= 1:
            raise ValueError('block_range must be (low, high) with 0 < low '
                             f'<= high <= 1, got {block_range}')
        if not (isinstance(patch_size, int) and patch_size >= 1):
            raise ValueError(
                f'patch_size must be a positive int, got {patch_size!r}')
        self.ratio = ratio
        self.replace_ratio = replace_ratio
        self.block_range = (low, high)
        self.patch_size = patch_size
        self.align_to_patch = align_to_patch
        self.generator = None if seed is None else \
            torch.Generator().manual_seed(seed)

    def _randint(self, low: int, high: int) -> int:
        """Uniform integer in [low, high]."""
        return int(torch.randint(low, high + 1, (1, ),
                                 generator=self.generator))

    def _uniform(self, low: float, high: float) -> float:
        return low + (high - low) * float(
            torch.rand(1, generator=self.generator))

    def _side(self, size: int, step: int) -> int:
        """A block side in pixels, a multiple of ``step``."""
        low = max(step, round(self.block_range[0] * size))
        side = self._randint(low, max(low, round(self.block_range[1] * size)))
        return max(step, round(side / step) * step)

    def _blocks(self, height: int, width: int,
                ratio: float) -> Tuple[List[Block], Tensor]:
        """Blocks and their union mask (H, W) covering the drawn area."""
        step = self.patch_size if self.align_to_patch else 1
        # aligned blocks cover whole patches only
        h_max, w_max = height // step * step, width // step * step
        target = self._uniform(min(0.5, ratio), ratio) * h_max * w_max
        mask = torch.zeros(height, width, dtype=torch.bool)
        blocks = []
        while mask.sum() < target:
            top = self._randint(0, h_max // step - 1) * step
            left = self._randint(0, w_max // step - 1) * step
            h = min(self._side(height, step), h_max - top)
            w = min(self._side(width, step), w_max - left)
            blocks.append((top, left, h, w))
            mask[top:top + h, left:left + w] = True
        return blocks, mask

    def _copy_source(self, block: Block, height: int,
                     width: int) -> Tuple[int, int]:
        """Another position of ``block``'s size in the same image."""
        top, left, h, w = block
        step = self.patch_size if self.align_to_patch else 1
        rows = (height // step * step - h) // step
        cols = (width // step * step - w) // step
        if rows == 0 and cols == 0:
            raise ValueError(f'copy: a {h}x{w} block fills the {height}x'
                             f'{width} image; there is nowhere to copy from')
        while True:
            source = (self._randint(0, rows) * step,
                      self._randint(0, cols) * step)
            if source != (top, left):
                return source

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Corrupts ``x`` (N, C, H, W).

        Returns:
            tuple: the corrupted batch x~ and the mask M (N, 1, H, W), 1 on
            the corrupted pixels and 0 elsewhere, both like ``x``.
        """
        if x.dim() != 4:
            raise ValueError(f'x must be (N, C, H, W), got {tuple(x.shape)}')
        n, c, height, width = x.shape
        if height < self.patch_size or width < self.patch_size:
            raise ValueError(
                f'a {height}x{width} image is smaller than one '
                f'{self.patch_size}x{self.patch_size} patch')
        out = x.clone()
        masks = torch.zeros(n, 1, height, width, dtype=torch.bool)
        for i in range(n):
            kind = self.types[self._randint(0, len(self.types) - 1)]
            ratio = self.replace_ratio if kind == 'replace' else self.ratio
            blocks, mask = self._blocks(height, width, ratio)
            masks[i, 0] = mask
            on = mask.to(x.device)
            if kind == 'zeros':
                out[i][:, on] = 0
            elif kind == 'noise':
                noise = torch.randn(
                    c, int(mask.sum()), generator=self.generator)
                out[i][:, on] = noise.to(x)
            elif kind == 'replace':
                if n < 2:
                    raise ValueError('replace needs a batch of at least 2 '
                                     f'images, got {n}')
                j = (i + self._randint(1, n - 1)) % n
                out[i][:, on] = x[j][:, on]
            else:
                for block in blocks:
                    top, left, h, w = block
                    s_top, s_left = self._copy_source(block, height, width)
                    out[i, :, top:top + h, left:left + w] = \
                        x[i, :, s_top:s_top + h, s_left:s_left + w]
        return out, masks.to(x)

    def extra_repr(self) -> str:
        return (f"types={'-'.join(self.types)}, ratio={self.ratio}, "
                f'replace_ratio={self.replace_ratio}, '
                f'block_range={self.block_range}, '
                f'patch_size={self.patch_size}, '
                f'align_to_patch={self.align_to_patch}')
