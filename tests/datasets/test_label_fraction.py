import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.dataset import BaseDataset
from PIL import Image

from mmssl_seg.datasets import LabelFractionDataset, labelled_indices
from mmssl_seg.datasets.label_fraction import (class_balance_distance,
                                               class_pixel_counts,
                                               parse_fraction)
from mmssl_seg.engine.hooks import LabelledSplitHook
from mmssl_seg.registry import DATASETS
from mmssl_seg.utils import load_run_config
from tests.conftest import write_fake_camvid
from tests.tools.conftest import BASELINE
from tests.tools.test_run_setup import tool_args


@pytest.mark.parametrize('fraction,expected', [
    (0.01, 4), (0.05, 18), (0.1, 37), (0.2, 73), (1.0, 367), ('1/30', 12),
    ('1/8', 46), ('1/4', 92), (0.001, 1)])
def test_subset_sizes(fraction, expected):
    assert len(labelled_indices(367, fraction, seed=0)) == expected


def test_count_and_bounds():
    assert len(labelled_indices(367, count=10)) == 10
    with pytest.raises(ValueError, match='count'):
        labelled_indices(10, count=11)
    with pytest.raises(ValueError, match='exactly one'):
        labelled_indices(10, 0.5, count=2)


def test_deterministic_per_seed_and_different_across_seeds():
    assert labelled_indices(367, 0.1, seed=3) == labelled_indices(
        367, 0.1, seed=3)
    assert labelled_indices(367, 0.1, seed=3) != labelled_indices(
        367, 0.1, seed=4)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_subsets_are_nested(seed):
    fractions = [0.01, '1/30', 0.05, 0.1, '1/8', 0.2, '1/4', 1.0]
    subsets = [set(labelled_indices(2975, f, seed=seed)) for f in fractions]
    for small, large in zip(subsets, subsets[1:]):
        assert small <= large


@pytest.mark.parametrize('bad', [0, 1.5, -0.1, '3/2', 'ten percent', '1/0'])
def test_fraction_outside_range_is_a_clear_error(bad):
    with pytest.raises(ValueError, match='label fraction'):
        parse_fraction(bad)


class ListDataset:
    """A stand-in for a segmentation dataset: data infos with paths."""

    def __init__(self, n):
        self.items = [dict(img_path=f'img_{i:03d}.png') for i in range(n)]
        self.metainfo = dict(classes=('a', 'b'))

    def get_data_info(self, idx):
        return self.items[idx]

    def __getitem__(self, idx):
        return self.items[idx]

    def __len__(self):
        return len(self.items)


def test_wrapper_labelled_and_unlabelled_partition_the_set():
    full = ListDataset(50)
    lab = LabelFractionDataset(full, fraction=0.2, seed=1)
    unlab = LabelFractionDataset(full, fraction=0.2, seed=1,
                                 split='unlabelled')
    assert (len(lab), len(unlab)) == (10, 40)
    assert set(lab.files).isdisjoint(unlab.files)
    assert sorted(lab.files + unlab.files) == [d['img_path'] for d in
                                               full.items]
    assert lab[0] == full[lab.indices[0]]
    assert lab.metainfo == full.metainfo


def test_wrapper_rejects_bad_fraction_and_split():
    with pytest.raises(ValueError, match=r'\(0, 1\], got 1.5'):
        LabelFractionDataset(ListDataset(5), fraction=1.5)
    with pytest.raises(ValueError, match='split'):
        LabelFractionDataset(ListDataset(5), fraction=0.5, split='test')


def test_hook_writes_the_file_list(tmp_path):
    dataset = LabelFractionDataset(ListDataset(30), fraction=0.1, seed=0)
    messages = []
    runner = SimpleNamespace(
        train_dataloader=SimpleNamespace(dataset=dataset),
        work_dir=str(tmp_path),
        logger=SimpleNamespace(info=messages.append))
    LabelledSplitHook().before_train(runner)
    with open(osp.join(tmp_path, 'labelled_split.txt')) as f:
        assert f.read().split() == dataset.files
    assert '3 of 30' in messages[0]


def test_wrapper_over_real_camvid(camvid_root):
    dataset = DATASETS.build(
        dict(type='LabelFractionDataset', fraction=0.1, seed=0,
             dataset=dict(type='CamVidDataset', data_root=camvid_root,
                          data_prefix=dict(img_path='img_dir/train',
                                           seg_map_path='ann_dir/train'))))
    assert len(dataset) == 37
    assert all(osp.isfile(f) for f in dataset.files)


def test_label_count_through_cfg_options(tmp_path):
    root = write_fake_camvid(str(tmp_path / 'c'), num_images=25, size=(8, 8))
    cfg = load_run_config(tool_args(
        BASELINE, f'data_root={root}',
        'train_dataloader.dataset.fraction=None',
        'train_dataloader.dataset.count=20'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == 20 and len(set(dataset.files)) == 20
    assert dataset.files == [dataset.get_data_info(i)['img_path']
                             for i in range(20)]
    full = dataset.dataset
    assert dataset.files == [full.get_data_info(i)['img_path']
                             for i in dataset.indices]
    assert dataset[3]['data_samples'].img_path == dataset.files[3]
    assert 'labelled: 20 of 25 samples' in repr(dataset)


def test_count_while_the_config_sets_fraction_says_how_to_fix_it(tmp_path):
    root = write_fake_camvid(str(tmp_path / 'c'), size=(8, 8))
    cfg = load_run_config(tool_args(BASELINE, f'data_root={root}',
                                    'train_dataloader.dataset.count=2'))
    fraction = cfg.train_dataloader.dataset.fraction
    with pytest.raises(ValueError) as err:
        DATASETS.build(cfg.train_dataloader.dataset)
    message = str(err.value)
    assert f'fraction={fraction!r}' in message and 'count=2' in message
    assert ('--cfg-options train_dataloader.dataset.fraction=None '
            'train_dataloader.dataset.count=2') in message


def test_subset_keeps_its_pipeline_whatever_mmengine_copied_before(tmp_path):
    """mmengine's ``BaseDataset._copy_without_annotation`` (behind
    ``get_subset``) shares one deepcopy memo across calls; once a freed
    object's id is reused by a transform, a copy returns the stale object in
    its place (seen in CI: "'CamVidDataset' object is not callable"). Here the
    shared memo is poisoned with the ids of this pipeline's transforms: a
    subset must still load its samples through the real transforms."""
    root = write_fake_camvid(str(tmp_path / 'c'), num_images=10, size=(8, 8))
    cfg = load_run_config(tool_args(BASELINE, f'data_root={root}'))
    full = DATASETS.build(cfg.train_dataloader.dataset.dataset)
    shared_memo = BaseDataset._copy_without_annotation.__defaults__[0]
    poisoned = [id(t) for t in full.pipeline.transforms]
    shared_memo.update({key: 'stale copy' for key in poisoned})
    try:
        subset = LabelFractionDataset(full, fraction=0.5, seed=0)
        sample = subset[1]
    finally:
        for key in poisoned:
            shared_memo.pop(key, None)
    assert sample['data_samples'].img_path == subset.files[1]
    assert subset.files == [full.get_data_info(i)['img_path']
                            for i in subset.indices]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_stratified_prefixes_hold_every_group_in_proportion(seed):
    groups = ['a'] * 204 + ['b'] * 101 + ['c'] * 62  # CamVid's sequences
    previous = set()
    for count in range(1, 368):
        chosen = labelled_indices(367, count=count, seed=seed, groups=groups)
        assert previous < set(chosen)  # nested
        previous = set(chosen)
        for group, size in (('a', 204), ('b', 101), ('c', 62)):
            held = sum(groups[i] == group for i in chosen)
            # within 1 of t * size for the prefix's last key t, so within 2
            # of its share of count
            assert abs(held - count * size / 367) < 2, (count, group)
    assert labelled_indices(367, 0.05, seed=seed, groups=groups) != \
        labelled_indices(367, 0.05, seed=seed + 1, groups=groups)


def test_stratify_by_reads_the_group_from_the_file_name():
    full = ListDataset(30)
    for i, item in enumerate(full.items):
        item['img_path'] = f"{'AB'[i % 2]}_{i:03d}.png"
    subset = LabelFractionDataset(full, fraction=0.2, stratify_by='^[^_]+')
    assert sorted(f[0] for f in subset.files) == ['A'] * 3 + ['B'] * 3
    with pytest.raises(ValueError, match="does not match the image file "
                       "name 'A_000.png'"):
        LabelFractionDataset(full, fraction=0.2, stratify_by='^x')


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_spread_prefixes_cover_every_group_evenly(seed):
    """Nested, each group in proportion, and no long stretch of a group left
    out: the gaps between taken frames stay near size / held."""
    sizes = dict(a=204, b=101, c=62)
    groups = [g for g, n in sizes.items() for _ in range(n)]
    previous = set()
    for count in range(1, 368):
        chosen = labelled_indices(367, count=count, seed=seed, groups=groups,
                                  spread=True)
        assert previous < set(chosen)
        previous = set(chosen)
        start = 0
        for group, size in sizes.items():
            held = [i - start for i in chosen if groups[i] == group]
            start += size
            assert abs(len(held) - count * size / 367) < 3, (count, group)
            if len(held) >= 4:
                gaps = np.diff(held + [held[0] + size])  # around the end
                assert gaps.max() <= 2.7 * size / len(held), (count, group)
    assert labelled_indices(367, 0.05, seed=seed, groups=groups,
                            spread=True) != labelled_indices(
                                367, 0.05, seed=seed + 1, groups=groups,
                                spread=True)
    with pytest.raises(ValueError, match='spread sampling needs groups'):
        labelled_indices(367, 0.05, seed=seed, spread=True)


def test_spread_by_takes_frames_evenly_in_file_name_order():
    full = ListDataset(40)
    names = [f"{'AB'[i % 2]}_{i // 2:03d}.png" for i in range(40)]
    for item, name in zip(full.items, names[::-1]):  # listed out of order
        item['img_path'] = name
    subset = LabelFractionDataset(full, fraction=0.2, spread_by='^[^_]+')
    files = sorted(subset.files)
    assert [f[0] for f in files] == ['A'] * 4 + ['B'] * 4
    frames = [int(f[2:5]) for f in files[:4]]
    assert max(np.diff(frames + [frames[0] + 20])) <= 7  # 20 frames, 4 taken
    with pytest.raises(ValueError, match=r"spread_by='\^x' does not match"):
        LabelFractionDataset(full, fraction=0.2, spread_by='^x')
    with pytest.raises(ValueError, match='at most one of stratify_by and'):
        LabelFractionDataset(full, fraction=0.2, spread_by='^[^_]+',
                             stratify_by='^[^_]+')


def test_class_balance_distance_by_hand():
    # shares p = (1/2, 1/4, 1/4) against q = (1/4, 1/2, 1/4): max |log 2|
    assert class_balance_distance(np.array([2, 1, 1]), np.array(
        [1, 2, 1])) == pytest.approx(np.log(2))
    assert class_balance_distance(np.array([2, 1, 1]),
                                  np.array([4, 2, 2])) == 0
    # a class the split lacks: infinitely far; one the set lacks: left out
    assert class_balance_distance(np.array([1, 0, 1]),
                                  np.array([1, 1, 1])) == np.inf
    assert class_balance_distance(np.array([1, 0, 1]),
                                  np.array([4, 0, 4])) == 0


def camvid_train(root):
    return DATASETS.build(dict(
        type='CamVidDataset', data_root=root, pipeline=[],
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train')))


def test_class_pixel_counts_leave_out_void(tmp_path):
    full = camvid_train(
        write_fake_camvid(str(tmp_path), num_images=2, size=(6, 7)))
    counts = class_pixel_counts(full, 11)
    for i in range(2):
        label = np.asarray(Image.open(full.get_data_info(i)['seg_map_path']))
        # the file's 11 is void (255 once loaded), not a class
        assert counts[i].tolist() == np.bincount(
            label.ravel(), minlength=12)[:11].tolist()


@pytest.mark.parametrize('fraction', [0.05, 0.1])
def test_class_matched_split_is_the_closest_of_its_draws(
        camvid_root, fraction):
    full = camvid_train(camvid_root)
    pixels = class_pixel_counts(full, 11)
    for seed in (0, 1, 2):
        chosen = LabelFractionDataset(
            full, fraction, seed=seed, spread_by='^[^_]+',
            class_matched_draws=16)
        draws = [LabelFractionDataset(
            full, fraction, seed=seed, spread_by='^[^_]+').indices]
        # draws 1..15 are the spread splits of the seeds [seed, i]
        names = [osp.basename(full.get_data_info(i)['img_path'])
                 for i in range(len(full))]
        order = np.argsort(names, kind='stable')
        groups = [names[i].split('_')[0] for i in order]
        draws += [sorted(order[labelled_indices(
            len(full), fraction, seed=[seed, i], groups=groups,
            spread=True)].tolist()) for i in range(1, 16)]
        distances = [class_balance_distance(pixels[d].sum(0),
                                            pixels.sum(0)) for d in draws]
        assert chosen.indices in draws
        assert class_balance_distance(
            pixels[chosen.indices].sum(0), pixels.sum(0)) == min(distances)
        # every class within a factor e^0.35 of its share in all of train;
        # the first draw of seed 0 at 10% has half of fence's share
        assert min(distances) < 0.35 < max(distances)


def test_class_matching_reads_no_label_when_every_sample_is_taken():
    full = ListDataset(10)  # no seg_map_path: reading a label would fail
    assert LabelFractionDataset(full, 1.0, class_matched_draws=8).indices \
        == list(range(10))
    with pytest.raises(KeyError, match='seg_map_path'):
        LabelFractionDataset(full, 0.5, class_matched_draws=8)
    for bad in (0, 2.5):
        with pytest.raises(ValueError, match=f'class_matched_draws must be '
                           f'an int >= 1, got {bad}'):
            LabelFractionDataset(full, 0.5, class_matched_draws=bad)
