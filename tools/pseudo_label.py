"""Pseudo-label the unlabelled training images with a trained model.

    python tools/pseudo_label.py CONFIG CHECKPOINT --out-dir DIR \
        [--fraction 0.1 --seed 0] [--threshold 0.8] \
        [--background-class background --background-threshold 0.97] \
        [--class-threshold Car=0.9 ...] [--class-balanced 0.2]

The unlabelled images are the training images outside the labelled split:
``train_dataloader.dataset`` (a ``LabelFractionDataset``) with
``split='unlabelled'`` and the fraction and seed of the config, or of
``--fraction`` / ``--seed``. Each is read with the config's test pipeline
(its label-loading steps left out) and predicted by the model; a pixel keeps
its predicted class k where the softmax confidence is >= tau_k, and gets 255
otherwise (``mmssl_seg.datasets.threshold_pseudo_labels``). With
``--class-balanced P`` each tau_k is lowered where needed so that at least
the fraction P of the pixels predicted as k is kept, the most confident ones
(class-balanced self-training, Zou et al., ECCV 2018; a first pass over the
images measures the confidences). Written to ``DIR``:

- ``labels/<name><seg_map_suffix>``: uint8 label maps at the images'
  original size, classes 0..K-1 and 255;
- ``files.txt``: the ``<name>``s, an ``ann_file`` for the dataset class;
- ``summary.json``: thresholds and, per class, predicted and kept pixels.

A training config reads them with the dataset class itself, e.g.
``dict(type='CamVidDataset', ann_file='DIR/files.txt',
data_prefix=dict(img_path='data/camvid/img_dir/train',
seg_map_path='DIR/labels'))`` next to the labelled split in a
``ConcatDataset`` (configs/pixel_contrast/*pseudo*.py).
"""
import argparse
import copy
import json
import os
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.utils import ProgressBar
from mmseg.apis import init_model
from PIL import Image

from mmssl_seg.datasets import (class_balanced_thresholds, class_thresholds,
                                confidence_histogram, threshold_pseudo_labels)
from mmssl_seg.registry import DATASETS
from mmssl_seg.utils import register_all_modules

IGNORE_INDEX = 255
LABEL_LOADING = ('LoadAnnotations', 'ValidateSegLabels')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Pseudo-label the unlabelled training images')
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='checkpoint of the trained model')
    parser.add_argument('--out-dir', required=True, help='output directory')
    parser.add_argument(
        '--fraction', help='labelled fraction (default: the config\'s)')
    parser.add_argument(
        '--seed', type=int, help='split seed (default: the config\'s)')
    parser.add_argument(
        '--threshold', type=float, default=0.8,
        help='confidence threshold of every class (default 0.8)')
    parser.add_argument(
        '--background-class',
        help='name or index of a background class, thresholded at '
        '--background-threshold (Pascal VOC: background)')
    parser.add_argument(
        '--background-threshold', type=float, default=0.97,
        help='confidence threshold of --background-class (default 0.97)')
    parser.add_argument(
        '--class-threshold', nargs='+', default=[], metavar='CLASS=THR',
        help='thresholds of single classes, by name or index')
    parser.add_argument(
        '--class-balanced', type=float, metavar='P',
        help='keep at least the fraction P of each class\'s predicted '
        'pixels, lowering its threshold where needed (e.g. 0.2)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config')
    args = parser.parse_args()
    if args.class_balanced is not None and not 0 < args.class_balanced <= 1:
        parser.error(f'--class-balanced must be in (0, 1], got '
                     f'{args.class_balanced}')
    return args


def class_index(spec, classes):
    """Index of a class given by index or (case-insensitive) name."""
    if spec.isdigit() and int(spec) < len(classes):
        return int(spec)
    names = [c.lower() for c in classes]
    if spec.lower() not in names:
        raise ValueError(f'unknown class {spec!r}; classes: {list(classes)}')
    return names.index(spec.lower())


def thresholds_from_args(args, classes):
    per_class = {}
    if args.background_class is not None:
        per_class[class_index(args.background_class,
                              classes)] = args.background_threshold
    for item in args.class_threshold:
        name, sep, value = item.rpartition('=')
        if not sep:
            raise ValueError(
                f'--class-threshold wants CLASS=THR, got {item!r}')
        per_class[class_index(name, classes)] = float(value)
    return class_thresholds(len(classes), args.threshold, per_class)


def unlabelled_dataset(cfg, fraction, seed):
    """The training images outside the labelled split, test pipeline."""
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    if dataset_cfg.get('type') != 'LabelFractionDataset':
        raise ValueError('train_dataloader.dataset must be a Label'
                         f"FractionDataset, got {dataset_cfg.get('type')}")
    if fraction is not None:
        dataset_cfg.fraction = fraction
    if seed is not None:
        dataset_cfg.seed = seed
    dataset_cfg.split = 'unlabelled'
    dataset_cfg.dataset.pipeline = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] not in LABEL_LOADING
    ]
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) == 0:
        raise ValueError(f'{dataset!r} has no unlabelled image')
    return dataset


def label_name(info, base):
    """``<name>`` of a sample: its image path under the image prefix,
    without the image suffix."""
    rel = osp.relpath(info['img_path'], base.data_prefix['img_path'])
    if not rel.endswith(base.img_suffix):
        raise ValueError(f"image {info['img_path']} does not end in "
                         f'{base.img_suffix!r}')
    return rel[:-len(base.img_suffix)]


def predictions(model, dataset):
    """Class probabilities (K, H, W) of every image, with a progress bar."""
    progress = ProgressBar(len(dataset))
    for idx in range(len(dataset)):
        with torch.no_grad():
            result = model.test_step(pseudo_collate([dataset[idx]]))[0]
        yield result.seg_logits.data.softmax(dim=0)
        progress.update()


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    dataset = unlabelled_dataset(cfg, args.fraction, args.seed)
    base = dataset.dataset
    classes = dataset.metainfo['classes']
    tau = thresholds_from_args(args, classes)

    device = 'cuda:0' if torch.cuda.is_available() else 'cpu'
    model = init_model(cfg, args.checkpoint, device)

    if args.class_balanced is not None:
        histogram = sum(confidence_histogram(probs)
                        for probs in predictions(model, dataset))
        tau = class_balanced_thresholds(histogram, args.class_balanced, tau)

    label_dir = osp.join(args.out_dir, 'labels')
    names = []
    predicted = np.zeros(len(classes), dtype=np.int64)
    kept = np.zeros(len(classes), dtype=np.int64)
    for idx, probs in enumerate(predictions(model, dataset)):
        labels = threshold_pseudo_labels(probs, tau, IGNORE_INDEX)
        labels = labels.cpu().numpy().astype(np.uint8)
        predicted += np.bincount(probs.argmax(0).cpu().numpy().ravel(),
                                 minlength=len(classes))
        kept += np.bincount(labels[labels != IGNORE_INDEX],
                            minlength=len(classes))
        name = label_name(dataset.get_data_info(idx), base)
        path = osp.join(label_dir, name + base.seg_map_suffix)
        os.makedirs(osp.dirname(path), exist_ok=True)
        Image.fromarray(labels).save(path)
        names.append(name)

    with open(osp.join(args.out_dir, 'files.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    summary = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        fraction=dataset.fraction,
        seed=dataset.seed,
        num_images=len(names),
        class_balanced=args.class_balanced,
        thresholds=dict(zip(classes, tau.tolist())),
        predicted_pixels=dict(zip(classes, predicted.tolist())),
        kept_pixels=dict(zip(classes, kept.tolist())),
        kept_fraction=float(kept.sum() / max(predicted.sum(), 1)))
    with open(osp.join(args.out_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print(f'\n{len(names)} pseudo-label maps in {label_dir}; '
          f"{summary['kept_fraction']:.1%} of the pixels kept")
    print(f"{'class':<16}{'threshold':>10}{'predicted':>12}{'kept':>12}")
    for k, name in enumerate(classes):
        print(f'{name:<16}{tau[k].item():>10.2f}{predicted[k]:>12}'
              f'{kept[k]:>12}')


if __name__ == '__main__':
    main()
