"""Deterministic labelled subsets of a training set, for label-efficiency runs."""
import math
from fractions import Fraction
from typing import List, Optional, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmssl_seg.registry import DATASETS


def parse_fraction(fraction: Union[float, int, str]) -> float:
    """Read a label fraction given as a number (0.1) or a ratio ('1/8').

    Raises:
        ValueError: if it is not a number or ratio in (0, 1].
    """
    try:
        value = float(Fraction(fraction)) if isinstance(fraction, str) \
            else float(fraction)
    except (ValueError, ZeroDivisionError, TypeError):
        raise ValueError(f'label fraction {fraction!r} is neither a number '
                         "nor a ratio like '1/8'") from None
    if not 0 < value <= 1:
        raise ValueError(
            f'label fraction must be in (0, 1], got {fraction!r}')
    return value


def labelled_indices(num_samples: int,
                     fraction: Union[float, str, None] = None,
                     count: Optional[int] = None,
                     seed: int = 0) -> List[int]:
    """Indices of the labelled subset, sorted.

    One seed fixes one random order of all samples; a subset is a prefix of
    that order of ``max(1, round(fraction * num_samples))`` (or ``count``)
    samples, so subsets of one seed are nested: 1% within 5% within 10% ...
    """
    if fraction is None and count is None:
        raise ValueError('give exactly one of fraction and count, got neither')
    if fraction is not None and count is not None:
        raise ValueError(
            'give exactly one of fraction and count, got '
            f'fraction={fraction!r} and count={count!r}. The dataset '
            'configs set a fraction; to select a label count, unset it: '
            '--cfg-options train_dataloader.dataset.fraction=None '
            f'train_dataloader.dataset.count={count}')
    if count is None:
        count = max(1, math.floor(parse_fraction(fraction) * num_samples + .5))
    elif not 1 <= count <= num_samples:
        raise ValueError(f'label count must be in [1, {num_samples}] for '
                         f'this dataset, got {count}')
    order = np.random.default_rng(seed).permutation(num_samples)
    return sorted(order[:count].tolist())


@DATASETS.register_module()
class LabelFractionDataset:
    """A dataset cut to a deterministic labelled subset (or its complement).

    Samples are read from the full dataset at :attr:`indices`, so any dataset
    with ``get_data_info`` works (``BaseDataset``, ``ConcatDataset``, plain
    sequences). mmengine's ``BaseDataset.get_subset`` is not used: its copy
    shares one ``deepcopy`` memo across all calls (a mutable default
    argument), so a later subset can receive a stale copy of an unrelated
    object in place of a pipeline transform once Python reuses a freed id.

    Args:
        dataset: the config (or instance) of the full training set.
        fraction: share of labelled samples, a number in (0, 1] or a ratio
            string such as ``'1/30'``. Exclusive with ``count``.
        count: number of labelled samples. The base dataset configs set
            ``fraction=1.0``, so unset it to use a count, e.g.
            ``--cfg-options train_dataloader.dataset.fraction=None
            train_dataloader.dataset.count=20``.
        seed: picks the subset; subsets of one seed are nested.
        split: ``'labelled'`` for the subset, ``'unlabelled'`` for the rest
            (e.g. the images to pseudo-label).

    Attributes:
        dataset: the full dataset.
        indices: the positions of this subset's samples in ``dataset``.
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 fraction: Union[float, str, None] = None,
                 count: Optional[int] = None,
                 seed: int = 0,
                 split: str = 'labelled'):
        if split not in ('labelled', 'unlabelled'):
            raise ValueError(f"split must be 'labelled' or 'unlabelled', "
                             f'got {split!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(
            dataset, dict) else dataset
        self.fraction, self.count, self.seed, self.split = (fraction, count,
                                                            seed, split)
        num_samples = len(self.dataset)
        chosen = labelled_indices(num_samples, fraction, count, seed)
        if split == 'unlabelled':
            chosen = sorted(set(range(num_samples)) - set(chosen))
        self.indices = chosen

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    @property
    def files(self) -> List[str]:
        """Image paths of the samples in this subset."""
        return [self.get_data_info(i)['img_path'] for i in range(len(self))]

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(self.indices[idx])

    def full_init(self) -> None:
        self.dataset.full_init()

    def __getitem__(self, idx: int):
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}({self.split}: {len(self)} of '
                f'{len(self.dataset)} samples, fraction={self.fraction!r}, '
                f'count={self.count!r}, seed={self.seed})')
