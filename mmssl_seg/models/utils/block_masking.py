"""Block-wise masking with a fixed number of masked patches.

BEiT (Bao et al., arXiv:2106.08254) masks blocks of patches rather than
single ones; SIM (Tao et al., arXiv:2206.01204) uses it with an exact count
per image (118 of the 196 patches of ViT-B/16 at 224), so that every image
of a batch keeps the same number of visible tokens.
"""
import math
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class FixedCountBlockMasking(nn.Module):
    """Masks exactly ``num = round(ratio * h * w)`` patches of each image
    (clamped to [1, h * w - 1]), in rectangular blocks.

    Per image, with ``left = num - masked`` patches still to mask, repeat:

    1. area ~ U(min(min_num_patches, left), left);
       aspect ~ exp(U(log min_aspect, log max_aspect));
    2. block height ``round(sqrt(area * aspect))`` and width
       ``round(sqrt(area / aspect))``, each clamped to [1, grid side];
    3. top-left uniform among the positions that keep the block inside;
    4. if the block covers 1 to ``left`` unmasked patches, mask them,
       otherwise the attempt fails.

    After ``max_attempts`` failures in a row, the remaining ``left`` patches
    are drawn uniformly among the unmasked ones (the fixed-count fallback of
    SIM's masking generator), so the count is always exact.

    Args:
        ratio (float): Fraction of patches masked, in (0, 1).
        min_num_patches (int): Smallest block area drawn. Defaults to 16.
        min_aspect (float): Smallest block aspect ratio (height / width).
            Defaults to 0.3.
        max_aspect (float, optional): Largest one; None means
            ``1 / min_aspect``.
        max_attempts (int): Failed blocks in a row before the random fill.
            Defaults to 10.
    """

    def __init__(self,
                 ratio: float,
                 min_num_patches: int = 16,
                 min_aspect: float = 0.3,
                 max_aspect: Optional[float] = None,
                 max_attempts: int = 10):
        super().__init__()
        if not 0 < ratio < 1:
            raise ValueError(f'ratio must be in (0, 1), got {ratio}')
        if not (isinstance(min_num_patches, int) and min_num_patches >= 1):
            raise ValueError('min_num_patches must be a positive int, got '
                             f'{min_num_patches!r}')
        max_aspect = 1 / min_aspect if max_aspect is None else max_aspect
        if not 0 < min_aspect <= max_aspect:
            raise ValueError('need 0 < min_aspect <= max_aspect, got '
                             f'{min_aspect} and {max_aspect}')
        if not (isinstance(max_attempts, int) and max_attempts >= 1):
            raise ValueError('max_attempts must be a positive int, got '
                             f'{max_attempts!r}')
        self.ratio = ratio
        self.min_num_patches = min_num_patches
        self.log_aspect = (math.log(min_aspect), math.log(max_aspect))
        self.max_attempts = max_attempts

    def num_masked(self, grid: Sequence[int]) -> int:
        """Patches masked per image on a (h, w) grid."""
        total = grid[0] * grid[1]
        return min(max(int(round(self.ratio * total)), 1), total - 1)

    def _one(self, h: int, w: int, num: int,
             generator: Optional[torch.Generator]) -> Tensor:

        def uniform(low, high):
            u = torch.rand((), generator=generator).item()
            return low + (high - low) * u

        def randint(high):  # in [0, high)
            return int(torch.randint(high, (), generator=generator))

        mask = torch.zeros(h, w, dtype=torch.bool)
        count, fails = 0, 0
        while count < num and fails < self.max_attempts:
            left = num - count
            area = uniform(min(self.min_num_patches, left), left)
            aspect = math.exp(uniform(*self.log_aspect))
            bh = min(max(int(round(math.sqrt(area * aspect))), 1), h)
            bw = min(max(int(round(math.sqrt(area / aspect))), 1), w)
            top, lft = randint(h - bh + 1), randint(w - bw + 1)
            block = mask[top:top + bh, lft:lft + bw]
            new = int((~block).sum())
            if 0 < new <= left:
                block.fill_(True)
                count += new
                fails = 0
            else:
                fails += 1
        mask = mask.flatten()
        if count < num:
            free = (~mask).nonzero().flatten()
            order = torch.randperm(len(free), generator=generator)
            mask[free[order[:num - count]]] = True
        return mask

    def forward(self,
                batch_size: int,
                grid: Sequence[int],
                generator: Optional[torch.Generator] = None,
                device=None) -> Tensor:
        """Draws the masks of a batch.

        Args:
            batch_size (int): B.
            grid (tuple[int, int]): Patch grid (h, w), h * w >= 2.
            generator (torch.Generator, optional): A CPU generator for the
                draws; None uses torch's global one.
            device (torch.device, optional): Where the result goes.

        Returns:
            Tensor: bool (B, h * w), row-major, True = masked, with
            :meth:`num_masked` True per row.
        """
        h, w = (int(g) for g in grid)
        if h < 1 or w < 1 or h * w < 2:
            raise ValueError(f'grid must hold at least 2 patches, got {grid}')
        num = self.num_masked((h, w))
        masks = [self._one(h, w, num, generator) for _ in range(batch_size)]
        out = torch.stack(masks) if masks else torch.zeros(
            0, h * w, dtype=torch.bool)
        return out.to(device) if device is not None else out

    def extra_repr(self) -> str:
        low, high = (math.exp(a) for a in self.log_aspect)
        return (f'ratio={self.ratio}, min_num_patches={self.min_num_patches}'
                f', aspect=({low:.3g}, {high:.3g}), '
                f'max_attempts={self.max_attempts}')
