"""Median-frequency class weights of a data set's label maps, for
``ClassWeightedCrossEntropyLoss(class_weight=...)``.

    python tools/analysis_tools/class_weights.py data/camvid/ann_dir/train \
        --num-classes 11 --ignore-index 11

Labels equal to ``--ignore-index`` (void; 11 in the files of the SegNet
CamVid release) are left out.
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from mmssl_seg.utils.class_weights import median_frequency_weights


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Median-frequency class weights of label maps')
    parser.add_argument('label_dir', help='folder of PNG label maps')
    parser.add_argument('--num-classes', type=int, required=True)
    parser.add_argument('--ignore-index', type=int, default=255)
    parser.add_argument('--decimals', type=int, default=2)
    args = parser.parse_args(argv)
    files = sorted(Path(args.label_dir).glob('*.png'))
    if not files:
        raise SystemExit(f'no PNG label maps in {args.label_dir}')
    weights = median_frequency_weights(
        (np.asarray(Image.open(f)) for f in files), args.num_classes,
        args.ignore_index, names=[str(f) for f in files])
    print(f'{len(files)} label maps in {args.label_dir}')
    print('class_weight = [' +
          ', '.join(f'{w:.{args.decimals}f}' for w in weights) + ']')


if __name__ == '__main__':
    main()
