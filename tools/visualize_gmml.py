"""Original | corrupted | reconstructed pictures from a GMML checkpoint.

    python tools/visualize_gmml.py CONFIG CHECKPOINT --images A.png B.png \
        [--out-dir DIR] [--size H W] [--seed 0]

The images form one batch (``replace`` takes pixels from another image of
it), corrupted by the model's GMMLCorruption and reconstructed by its head
(GMML.reconstruct); writes ``<out-dir>/<image name>_gmml.png`` per image,
one row of three panels as in the SiT paper (arXiv:2104.03602).
"""
import argparse
import os.path as osp

import mmcv
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint

from mmssl_seg.engine.hooks.gmml_visualization_hook import gmml_grid
from mmssl_seg.engine.hooks.pretext_visualization_hook import \
    preprocessor_mean_std
from mmssl_seg.registry import MODELS
from mmssl_seg.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(
        description='Save original | corrupted | reconstructed pictures')
    parser.add_argument('config', help='GMML pretraining config')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument(
        '--images', nargs='+', required=True, help='image files')
    parser.add_argument(
        '--out-dir',
        help='output folder (default: work_dirs/<config>/vis/<checkpoint>)')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='resize every image to H x W (default: each image as it is, '
        'cropped to whole patches; then all must have one size)')
    parser.add_argument('--seed', type=int, default=0, help='corruption seed')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config')
    return parser.parse_args()


def load_images(paths, size, patch_size):
    """uint8 (N, 3, H, W) batch of the image files, BGR as mmcv reads."""
    images = []
    for path in paths:
        if not osp.isfile(path):
            raise SystemExit(f'image not found: {path}')
        img = mmcv.imread(path)
        if img is None:
            raise SystemExit(f'cannot read image {path}')
        if size:
            img = mmcv.imresize(img, (size[1], size[0]))
        h = img.shape[0] // patch_size * patch_size
        w = img.shape[1] // patch_size * patch_size
        images.append(torch.from_numpy(img[:h, :w]).permute(2, 0, 1))
    shapes = {tuple(i.shape) for i in images}
    if len(shapes) > 1:
        raise SystemExit(f'the images have different sizes {sorted(shapes)}:'
                         ' give --size H W')
    return torch.stack(images)


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)

    # not mmseg.apis.init_model: a pretrainer takes no train_cfg; loading is
    # strict, as the reconstruction head must come from the checkpoint
    model = MODELS.build(cfg.model)
    if not hasattr(model, 'reconstruct'):
        raise SystemExit(f'{cfg.model.type} of {args.config} is not a GMML '
                         'model (model.reconstruct is missing)')
    if not model.with_head:
        raise SystemExit(f'the GMML of {args.config} has no reconstruction '
                         'head (model.head is None): nothing to draw')
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()

    batch = load_images(args.images, args.size, model.patch_size)
    torch.manual_seed(args.seed)
    inputs = model.data_preprocessor(
        dict(inputs=batch, data_samples=None), False)['inputs']
    corrupted, _, reconstructed = model.reconstruct(inputs)
    mean_std = preprocessor_mean_std(model.data_preprocessor)

    out_dir = args.out_dir or osp.join(
        'work_dirs',
        osp.splitext(osp.basename(args.config))[0], 'vis',
        osp.splitext(osp.basename(args.checkpoint))[0])
    for i, path in enumerate(args.images):
        grid = gmml_grid(inputs[i:i + 1], corrupted[i:i + 1],
                         reconstructed[i:i + 1], *mean_std)
        out = osp.join(out_dir,
                       osp.splitext(osp.basename(path))[0] + '_gmml.png')
        mmcv.imwrite(grid[..., ::-1], out)  # imwrite expects BGR
        print(f'saved {out}')


if __name__ == '__main__':
    main()
