"""Score pseudo labels against the human labels of the same images.

    python tools/analysis_tools/pseudo_label_quality.py PSEUDO_DIR \
        [--gt-dir data/camvid/ann_dir/train] [--out quality.json]

``PSEUDO_DIR`` is what ``tools/pseudo_label.py`` wrote (``files.txt``,
``labels/``, ``summary.json``, whose thresholds name the classes in order).
Per class k, over the images of ``files.txt``:

- precision_k = |kept as k and labelled k| / |kept as k|
- coverage_k = |kept as k and labelled k| / |labelled k|

and the accuracy of all kept pixels, sum_k |kept as k and labelled k| /
|kept, labelled with a class|. Pixels whose human label is not a class
(void, e.g. CamVid's 11 or 255) count in neither. Pseudo labels are used
for training without their images' human labels; this script is the check
of how right they are, where those labels exist.
"""
import argparse
import json
import os.path as osp

import numpy as np
from PIL import Image

IGNORE_INDEX = 255


def parse_args():
    parser = argparse.ArgumentParser(
        description='Score pseudo labels against human labels')
    parser.add_argument('pseudo_dir', help='output of tools/pseudo_label.py')
    parser.add_argument(
        '--gt-dir', default='data/camvid/ann_dir/train',
        help='human label maps, <name><suffix>')
    parser.add_argument('--suffix', default='.png', help='label map suffix')
    parser.add_argument('--out', help='also write the scores to this JSON')
    return parser.parse_args()


def read_label_map(path):
    if not osp.isfile(path):
        raise FileNotFoundError(f'label map not found: {path}')
    return np.asarray(Image.open(path))


def confusion(pseudo, truth, num_classes):
    """(K, K) counts of [human label, pseudo label] over kept, labelled
    pixels; void human labels (>= K) and ignored pseudo pixels left out."""
    if pseudo.shape != truth.shape:
        raise ValueError(f'pseudo label of shape {pseudo.shape} against a '
                         f'human label of shape {truth.shape}')
    valid = (pseudo != IGNORE_INDEX) & (truth < num_classes)
    index = truth[valid].astype(np.int64) * num_classes + pseudo[valid]
    return np.bincount(
        index, minlength=num_classes**2).reshape(num_classes, num_classes)


def quality(pseudo_dir, gt_dir, suffix='.png'):
    with open(osp.join(pseudo_dir, 'summary.json')) as f:
        classes = list(json.load(f)['thresholds'])
    with open(osp.join(pseudo_dir, 'files.txt')) as f:
        names = [line.strip() for line in f if line.strip()]
    k = len(classes)
    counts = np.zeros((k, k), dtype=np.int64)
    labelled = np.zeros(k, dtype=np.int64)
    for name in names:
        truth = read_label_map(osp.join(gt_dir, name + suffix))
        pseudo = read_label_map(osp.join(pseudo_dir, 'labels', name + suffix))
        counts += confusion(pseudo, truth, k)
        labelled += np.bincount(truth[truth < k].ravel(), minlength=k)
    correct = np.diag(counts)
    kept = counts.sum(axis=0)
    return dict(
        num_images=len(names),
        accuracy=float(correct.sum() / max(counts.sum(), 1)),
        classes={
            name: dict(
                kept=int(kept[i]),
                precision=float(correct[i] / kept[i]) if kept[i] else None,
                coverage=float(correct[i] / labelled[i])
                if labelled[i] else None)
            for i, name in enumerate(classes)
        })


def as_markdown(scores):
    def pct(value):
        return '-' if value is None else f'{100 * value:.1f}'

    lines = ['| class | kept pixels | precision (%) | coverage (%) |',
             '|---|---|---|---|']
    for name, row in scores['classes'].items():
        lines.append(f"| {name} | {row['kept']} | {pct(row['precision'])} "
                     f"| {pct(row['coverage'])} |")
    lines.append(f"\naccuracy of the kept pixels: "
                 f"{pct(scores['accuracy'])}% over {scores['num_images']} "
                 'images')
    return '\n'.join(lines)


def main():
    args = parse_args()
    scores = quality(args.pseudo_dir, args.gt_dir, args.suffix)
    print(as_markdown(scores))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(scores, f, indent=1)


if __name__ == '__main__':
    main()
