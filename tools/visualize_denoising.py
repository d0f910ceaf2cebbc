"""Denoising grids from a DDeP/DeP checkpoint.

    python tools/visualize_denoising.py CONFIG CHECKPOINT \
        [--split train] [--num-images 4] [--out vis.png] [--seed 0]

Takes the first images of the config's ``<split>_dataloader`` dataset,
corrupts them with the model's noise and writes one row per image:
clean | noisy | predicted noise | denoised (see DenoisingVisualizationHook).
"""
import argparse
import os.path as osp

import mmcv
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint

from mmssl_seg.engine.hooks.denoising_visualization_hook import \
    denoising_grid
from mmssl_seg.engine.hooks.pretext_visualization_hook import \
    preprocessor_mean_std
from mmssl_seg.registry import DATASETS, MODELS
from mmssl_seg.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(
        description='Save clean | noisy | predicted noise | denoised grids')
    parser.add_argument('config', help='denoising pretraining config')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument(
        '--split',
        choices=['train', 'val', 'test'],
        default='train',
        help='whose dataloader provides the images (default: train)')
    parser.add_argument(
        '--num-images', type=int, default=4, help='rows of the grid')
    parser.add_argument(
        '--out',
        help='output PNG (default: work_dirs/<config>/vis/'
        '<checkpoint>_denoising.png)')
    parser.add_argument('--seed', type=int, default=0, help='noise seed')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.num_images < 1:
        raise SystemExit(f'--num-images must be >= 1, got {args.num_images}')
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    loader = cfg.get(f'{args.split}_dataloader')
    if not loader:
        raise SystemExit(f'{args.config} has no {args.split}_dataloader')

    # not mmseg.apis.init_model: it passes pretrained=None and train_cfg=None
    # to the model, which a pretrainer does not take; loading is strict, as
    # every part of the pretrainer must come from the checkpoint
    model = MODELS.build(cfg.model)
    if not hasattr(model, 'denoise'):
        raise SystemExit(f'{cfg.model.type} is not a denoising pretrainer '
                         '(e.g. DenoisingPretrainer)')
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()

    dataset = DATASETS.build(loader.dataset)
    n = min(args.num_images, len(dataset))
    batch = pseudo_collate([dataset[i] for i in range(n)])
    torch.manual_seed(args.seed)
    # training=True pads differently sized images to a common size
    inputs = model.data_preprocessor(batch, True)['inputs']
    out = model.denoise(inputs)
    grid = denoising_grid(inputs, out['noisy'], out['pred_noise'],
                          out['denoised'],
                          *preprocessor_mean_std(model.data_preprocessor))

    path = args.out or osp.join(
        'work_dirs',
        osp.splitext(osp.basename(args.config))[0], 'vis',
        osp.splitext(osp.basename(args.checkpoint))[0] + '_denoising.png')
    mmcv.imwrite(grid[..., ::-1], path)  # imwrite expects BGR
    print(f'saved {n} rows to {path}')


if __name__ == '__main__':
    main()
