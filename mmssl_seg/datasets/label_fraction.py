"""Deterministic labelled subsets of a training set (label efficiency)."""
import math
import os.path as osp
import re
from fractions import Fraction
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmseg.datasets.transforms import LoadAnnotations

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
                     seed: Union[int, Sequence[int]] = 0,
                     groups: Optional[Sequence] = None,
                     spread: bool = False) -> List[int]:
    """Indices of the labelled subset, sorted.

    One seed fixes one random order of all samples; a subset is a prefix of
    that order of ``max(1, round(fraction * num_samples))`` (or ``count``)
    samples, so subsets of one seed are nested: 1% within 5% within 10% ...
    ``seed`` is an int or a sequence of ints (numpy's ``default_rng``).

    With ``groups`` (a stratum per sample, e.g. its video sequence) the order
    is stratified: see :func:`stratified_order`; with ``spread`` as well,
    each group's samples (in their order, e.g. time) are taken evenly
    spaced: see :func:`spread_order`.
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
    rng = np.random.default_rng(seed)
    if groups is None:
        if spread:
            raise ValueError('spread sampling needs groups (e.g. the video '
                             'sequence of every frame)')
        order = rng.permutation(num_samples)
    else:
        if len(groups) != num_samples:
            raise ValueError(f'got {len(groups)} groups for {num_samples} '
                             'samples')
        order = (spread_order if spread else stratified_order)(groups, rng)
    return sorted(order[:count].tolist())


def stratified_order(groups: Sequence,
                     rng: np.random.Generator) -> np.ndarray:
    r"""A random order of samples whose every prefix samples each group in
    proportion to its size (systematic stratified sampling).

    Group :math:`g` of :math:`n_g` samples is shuffled and gets a random
    offset :math:`o_g \sim U[0, 1)`; its :math:`j`-th sample gets the key
    :math:`k = (j + o_g) / n_g` and the order sorts all samples by key. A
    prefix ending at key :math:`t` holds :math:`\lceil t n_g - o_g \rceil`
    samples of group :math:`g`, i.e. its proportional share :math:`t n_g`
    rounded up or down, and prefixes stay nested.
    """
    groups = np.asarray(groups)
    keys = np.empty(len(groups))
    for group in sorted(set(groups.tolist())):
        members = np.flatnonzero(groups == group)
        members = members[rng.permutation(len(members))]
        keys[members] = (np.arange(len(members)) + rng.random()) / len(
            members)
    return np.argsort(keys, kind='stable')


GOLDEN_RATIO_CONJUGATE = (math.sqrt(5) - 1) / 2


def spread_order(groups: Sequence, rng: np.random.Generator) -> np.ndarray:
    r"""A random order of samples whose every prefix takes each group's
    samples evenly spaced along the group (e.g. frames along a video) and
    each group in proportion to its size.

    The :math:`i`-th sample of group :math:`g` (in the given order) gets the
    key :math:`k = \{i \varphi + o_g\}`, the fractional part of a golden
    ratio (Kronecker) sequence with :math:`\varphi = (\sqrt 5 - 1) / 2` and
    a random phase :math:`o_g \sim U[0, 1)`; the order sorts all samples by
    key. A prefix ending at key :math:`t` takes the samples whose key is
    below :math:`t`: about :math:`t n_g` of group :math:`g` (the sequence is
    equidistributed), with gaps between taken samples of at most three
    lengths (the three-gap theorem), so no stretch of a video is left out,
    and prefixes stay nested. A seed only moves the phases.
    """
    groups = np.asarray(groups)
    keys = np.empty(len(groups))
    for group in sorted(set(groups.tolist())):
        members = np.flatnonzero(groups == group)
        keys[members] = (np.arange(len(members)) * GOLDEN_RATIO_CONJUGATE +
                         rng.random()) % 1.0
    return np.argsort(keys, kind='stable')


def class_balance_distance(split_pixels: np.ndarray,
                           all_pixels: np.ndarray) -> float:
    r"""How far a split's class balance is from the whole set's:
    :math:`\max_c |\log(p_c / q_c)|`, with :math:`p_c` and :math:`q_c` the
    shares of class :math:`c` in the labelled pixels of the split and of the
    whole set (per-class pixel counts). A class of the set that the split
    lacks makes it infinite; classes the set lacks are left out."""
    present = all_pixels > 0
    p = split_pixels[present] / split_pixels.sum()
    q = all_pixels[present] / all_pixels.sum()
    if (p == 0).any():
        return math.inf
    return float(np.abs(np.log(p / q)).max())


def class_pixel_counts(dataset, num_classes: int) -> np.ndarray:
    """Pixels of each class in each label map of ``dataset`` (anything with
    ``get_data_info`` giving mmseg's ``seg_map_path`` and ``label_map``),
    read as training reads them (mmseg's ``LoadAnnotations``); an array of
    shape (samples, classes). Labels outside [0, num_classes), the ignored
    ones, are not counted."""
    load = LoadAnnotations()
    counts = np.zeros((len(dataset), num_classes), dtype=np.int64)
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        label = load(dict(seg_map_path=info['seg_map_path'],
                          label_map=info.get('label_map'),
                          reduce_zero_label=info.get('reduce_zero_label',
                                                     False),
                          seg_fields=[]))['gt_seg_map'].ravel()
        label = label[label < num_classes].astype(np.int64)
        counts[idx] = np.bincount(label, minlength=num_classes)
    return counts


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
        stratify_by: a regular expression; its match in each image's file
            name names the sample's stratum (e.g. ``'^[^_]+'``, the video
            sequence of a CamVid frame), and every subset then holds each
            stratum in proportion to its size. ``None`` samples uniformly.
        spread_by: like ``stratify_by``, and each stratum's samples (in file
            name order: a video's frames in time) are also taken evenly
            spaced (:func:`spread_order`), as a video is labelled every
            k-th frame. Exclusive with ``stratify_by``.
        class_matched_draws: with ``n > 1``, the seed draws ``n`` subsets
            (the first is the one drawn without this option, the others come
            from the seeds ``[seed, 1] ... [seed, n - 1]``) and keeps the one
            whose class balance is closest to the whole set's
            (:func:`class_balance_distance`; reads every label map once),
            which avoids splits with, e.g., half the share of a rare class.
            Such subsets of one seed are not nested across fractions. ``1``
            (the default) keeps the first draw.
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
                 split: str = 'labelled',
                 stratify_by: Optional[str] = None,
                 spread_by: Optional[str] = None,
                 class_matched_draws: int = 1):
        if split not in ('labelled', 'unlabelled'):
            raise ValueError(f"split must be 'labelled' or 'unlabelled', "
                             f'got {split!r}')
        if stratify_by is not None and spread_by is not None:
            raise ValueError('give at most one of stratify_by and spread_by, '
                             f'got {stratify_by!r} and {spread_by!r}')
        if not isinstance(class_matched_draws, int) or \
                class_matched_draws < 1:
            raise ValueError('class_matched_draws must be an int >= 1, got '
                             f'{class_matched_draws!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(
            dataset, dict) else dataset
        self.fraction, self.count, self.seed, self.split = (fraction, count,
                                                            seed, split)
        self.stratify_by, self.spread_by = stratify_by, spread_by
        self.class_matched_draws = class_matched_draws
        num_samples = len(self.dataset)
        order, groups = np.arange(num_samples), None
        if stratify_by is not None:
            groups = self._strata(self._names(), stratify_by, 'stratify_by')
        elif spread_by is not None:  # each group's samples in time order
            names = self._names()
            order = np.argsort(names, kind='stable')
            strata = self._strata(names, spread_by, 'spread_by')
            groups = [strata[i] for i in order]
        draws = [sorted(order[labelled_indices(
            num_samples, fraction, count, seed if i == 0 else [seed, i],
            groups, spread=spread_by is not None)].tolist())
            for i in range(class_matched_draws)]
        chosen = self._class_matched(draws)
        if split == 'unlabelled':
            chosen = sorted(set(range(num_samples)) - set(chosen))
        self.indices = chosen

    def _class_matched(self, draws: List[List[int]]) -> List[int]:
        """The draw closest to the class balance of the whole set; the
        first, with no label read, if there is no choice to make."""
        if len(draws) == 1 or len(draws[0]) == len(self.dataset):
            return draws[0]
        pixels = class_pixel_counts(self.dataset,
                                    len(self.dataset.metainfo['classes']))
        total = pixels.sum(0)
        distances = [class_balance_distance(pixels[d].sum(0), total)
                     for d in draws]
        return draws[int(np.argmin(distances))]

    def _names(self) -> List[str]:
        """The image file name of every sample of :attr:`dataset`."""
        return [osp.basename(self.dataset.get_data_info(idx)['img_path'])
                for idx in range(len(self.dataset))]

    @staticmethod
    def _strata(names: List[str], pattern: str, option: str) -> List[str]:
        """The stratum of every image file name: ``pattern``'s match in
        it."""
        strata = []
        for name in names:
            match = re.search(pattern, name)
            if match is None:
                raise ValueError(f'{option}={pattern!r} does not match '
                                 f'the image file name {name!r}')
            strata.append(match.group(0))
        return strata

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
                f'count={self.count!r}, seed={self.seed}, '
                f'stratify_by={self.stratify_by!r}, '
                f'spread_by={self.spread_by!r}, '
                f'class_matched_draws={self.class_matched_draws})')
