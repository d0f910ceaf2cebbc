"""Pseudo-label thresholds and tools/pseudo_label.py on real CamVid images."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmssl_seg.datasets import (class_balanced_thresholds, class_thresholds,
                                confidence_histogram,
                                threshold_pseudo_labels)
from mmssl_seg.registry import DATASETS, MODELS
from tests.conftest import REPO

CONFIGS = osp.join(REPO, 'configs', 'pixel_contrast', 'benchmarks')
TEACHER = osp.join(
    REPO, 'configs', 'supervised',
    'supervised_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py')
PSEUDO = osp.join(
    CONFIGS, 'pixelcontrast-single-finetune-pseudo_effnetlite0-'
    'deeplabv3plus_1xb8-200i_camvid-176x240.py')
NUM_TRAIN = 367
FRACTION = '0.992'  # leaves 3 of the 367 CamVid train images unlabelled
BICYCLIST = 10  # the last class: void (11) is next to it


def test_thresholds_are_applied_per_class():
    # class 0 is a background at 0.97; classes 1 and 2 use 0.8
    tau = class_thresholds(3, default=0.8, per_class={0: 0.97})
    assert tau.tolist() == pytest.approx([0.97, 0.8, 0.8])
    probs = torch.tensor([
        [0.96, 0.98, 0.10, 0.10, 0.15, 0.80],  # background
        [0.02, 0.01, 0.85, 0.15, 0.05, 0.10],
        [0.02, 0.01, 0.05, 0.75, 0.80, 0.10],
    ])[:, None]  # (K=3, H=1, W=6)
    labels = threshold_pseudo_labels(probs, tau, ignore_index=255)
    # 0.96 < 0.97 for background, but 0.80 >= 0.8 for class 2
    assert labels.tolist() == [[255, 0, 1, 255, 2, 255]]
    # batched input, other ignore index
    batched = threshold_pseudo_labels(probs[None].repeat(2, 1, 1, 1), tau,
                                      ignore_index=-1)
    assert batched.tolist() == [[[-1, 0, 1, -1, 2, -1]]] * 2


def test_bad_thresholds_are_refused():
    with pytest.raises(ValueError, match='class index 3 not in 0..2'):
        class_thresholds(3, per_class={3: 0.9})
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        class_thresholds(3, per_class={1: 1.5})
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        class_thresholds(3, default=-0.1)
    with pytest.raises(ValueError, match='3 classes need as many'):
        threshold_pseudo_labels(torch.rand(3, 2, 2), torch.full((4, ), .5))


def test_class_balanced_thresholds_match_a_slow_reference():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 30, 40, generator=gen) * 2
    logits[3] -= 4  # a rare, unsure class
    probs = logits.softmax(0)
    ceiling = torch.tensor([0.8, 0.8, 0.3, 0.8])
    fraction = 0.3
    tau = class_balanced_thresholds(confidence_histogram(probs), fraction,
                                    ceiling)
    confidence, labels = probs.max(0)
    for k in range(4):
        # slow: the (ceil(P n))-th highest confidence of class k, to 1e-3
        mine = confidence[labels == k].sort(descending=True).values
        nth = mine[int(np.ceil(fraction * len(mine))) - 1].item()
        assert tau[k].item() == pytest.approx(
            min(ceiling[k].item(), np.floor(nth * 1000) / 1000), abs=1e-6)
        kept = (mine >= tau[k]).float().mean().item()
        assert kept >= fraction
    assert tau[2] == pytest.approx(0.3)  # the ceiling binds
    assert tau[3] < 0.8  # the unsure class is kept after all
    # a class never predicted keeps its ceiling
    absent = torch.zeros(5, 10)
    absent[:4] = confidence_histogram(probs, bins=10)
    assert class_balanced_thresholds(absent, 0.5, torch.full((5, ), .8))[
        4] == pytest.approx(0.8)
    with pytest.raises(ValueError, match=r'P must be in \(0, 1\], got 0'):
        class_balanced_thresholds(absent, 0, torch.full((5, ), .8))


def _constant_teacher(path, confidence=0.85):
    """A checkpoint predicting Bicyclist at ``confidence`` everywhere:
    zero classifier weights, biases log p."""
    model = MODELS.build(Config.fromfile(TEACHER).model)
    state = model.state_dict()
    probs = torch.full((11, ), (1 - confidence) / 10)
    probs[BICYCLIST] = confidence
    state['decode_head.conv_seg.weight'].zero_()
    state['decode_head.conv_seg.bias'] = probs.log()
    torch.save(dict(state_dict=state, meta=dict()), path)


def _pseudo_label(tool, camvid_root, ckpt, out_dir, *extra):
    run = tool([
        'python', 'tools/pseudo_label.py', TEACHER, ckpt, '--out-dir',
        out_dir, '--fraction', FRACTION, '--seed', '0', *extra,
        '--cfg-options',
        f'train_dataloader.dataset.dataset.data_root={camvid_root}'
    ])
    assert run.returncode == 0, run.stderr[-3000:]
    with open(osp.join(out_dir, 'files.txt')) as f:
        names = f.read().split()
    with open(osp.join(out_dir, 'summary.json')) as f:
        summary = json.load(f)
    labels = {
        name: np.array(Image.open(osp.join(out_dir, 'labels', name + '.png')))
        for name in names
    }
    return names, labels, summary


def test_pseudo_label_tool_end_to_end(camvid_root, tmp_path, tool):
    ckpt = str(tmp_path / 'teacher.pth')
    _constant_teacher(ckpt)
    out = str(tmp_path / 'pseudo')
    names, labels, summary = _pseudo_label(tool, camvid_root, ckpt, out)

    train_images = sorted(
        p[:-4] for p in os.listdir(
            osp.join(camvid_root, 'img_dir', 'train')))
    # the split of the CamVid configs (spread in time, class-matched)
    split = Config.fromfile(osp.join(
        REPO, 'configs', '_base_', 'datasets',
        'camvid.py')).train_dataloader.dataset
    split.dataset.update(data_root=camvid_root, pipeline=[])
    split.update(fraction=FRACTION, seed=0)
    labelled = {osp.basename(f)[:-4] for f in DATASETS.build(split).files}
    assert len(train_images) == NUM_TRAIN
    assert names == [n for n in train_images if n not in labelled]
    assert len(names) == 3
    for name, label in labels.items():
        size = Image.open(osp.join(camvid_root, 'img_dir', 'train',
                                   name + '.png')).size
        assert label.shape == size[::-1]  # original resolution
        assert (label == BICYCLIST).all()  # 0.85 >= 0.8
    pixels = sum(label.size for label in labels.values())
    assert summary['num_images'] == 3
    assert summary['kept_pixels']['Bicyclist'] == pixels
    assert summary['predicted_pixels']['Bicyclist'] == pixels
    assert summary['kept_fraction'] == 1.0
    assert summary['thresholds']['Sky'] == pytest.approx(0.8)

    # a per-class threshold above the confidence drops every pixel
    _, labels, summary = _pseudo_label(
        tool, camvid_root, ckpt, str(tmp_path / 'strict'),
        '--class-threshold', 'bicyclist=0.9', '--background-class', 'Sky')
    assert all((label == 255).all() for label in labels.values())
    assert summary['kept_fraction'] == 0.0
    assert summary['thresholds']['Bicyclist'] == pytest.approx(0.9)
    assert summary['thresholds']['Sky'] == pytest.approx(0.97)

    # class-balanced: the 0.9 threshold drops to the teacher's confidence
    _, labels, summary = _pseudo_label(
        tool, camvid_root, ckpt, str(tmp_path / 'balanced'), '--threshold',
        '0.9', '--class-balanced', '0.5')
    assert all((label == BICYCLIST).all() for label in labels.values())
    assert summary['class_balanced'] == 0.5
    assert summary['thresholds']['Bicyclist'] == pytest.approx(0.85,
                                                               abs=1e-3)
    assert summary['thresholds']['Sky'] == pytest.approx(0.9)

    # training mixes the labelled split with the pseudo labels unchanged
    cfg = Config.fromfile(PSEUDO)
    labelled_cfg, pseudo_cfg = cfg.train_dataloader.dataset.datasets
    labelled_cfg.fraction = FRACTION
    labelled_cfg.dataset.data_root = camvid_root
    pseudo_cfg.ann_file = osp.join(out, 'files.txt')
    pseudo_cfg.data_prefix = dict(
        img_path=osp.join(camvid_root, 'img_dir', 'train'),
        seg_map_path=osp.join(out, 'labels'))
    mixed = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(mixed) == len(labelled) + 3
    for idx in range(len(labelled), len(mixed)):
        seg = mixed[idx]['data_samples'].gt_sem_seg.data
        assert set(seg.unique().tolist()) <= {BICYCLIST, 255}
        assert (seg == BICYCLIST).float().mean() > 0.5


def test_unknown_class_name_is_refused(camvid_root, tmp_path, tool):
    ckpt = str(tmp_path / 'teacher.pth')
    _constant_teacher(ckpt)
    run = tool([
        'python', 'tools/pseudo_label.py', TEACHER, ckpt, '--out-dir',
        str(tmp_path / 'out'), '--fraction', FRACTION, '--class-threshold',
        'Unicorn=0.5', '--cfg-options',
        f'train_dataloader.dataset.dataset.data_root={camvid_root}'
    ])
    assert run.returncode != 0
    assert "unknown class 'Unicorn'" in run.stderr
