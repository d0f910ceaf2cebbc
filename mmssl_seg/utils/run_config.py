"""The command-line arguments and config handling shared by the tools."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, e.g. '
        'train_dataloader.dataset.fraction=0.1')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_run_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and merge the run arguments, as mmseg's tools do.

    The work dir defaults to ``./work_dirs/<config name>``. A top-level
    ``data_root`` in ``--cfg-options`` also replaces the old root wherever a
    dataset uses it (see :func:`move_data_root`); a dataset's own
    ``data_root`` option still wins.
    """
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        merge_cfg_options(cfg, args.cfg_options, args.config)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def merge_cfg_options(cfg: Config, options: dict, config_path: str) -> None:
    """Merge ``--cfg-options`` into ``cfg``; a top-level ``data_root`` moves
    every dataset that used the old one (:func:`move_data_root`)."""
    if 'data_root' in options:
        move_data_root(cfg, options['data_root'], config_path)
    cfg.merge_from_dict(options)


def move_data_root(cfg: Config, new_root: str, config_path: str) -> None:
    """Replace the config's old ``data_root`` wherever a dataset uses it.

    The datasets copied the top-level ``data_root`` when the config was
    parsed, so setting that key alone would not move them. Every nested
    ``data_root`` equal to the old value (in dicts and lists, e.g. the members
    of a ``ConcatDataset``) becomes ``new_root``; the places are logged. The
    top-level key itself is left to ``merge_from_dict``.

    Raises:
        KeyError: if the config has no top-level ``data_root``.
    """
    if 'data_root' not in cfg:
        raise KeyError(
            f'--cfg-options data_root={new_root}: config {config_path} has '
            'no top-level data_root to replace; set the datasets\' own keys, '
            'e.g. val_dataloader.dataset.data_root=...')
    old_root = cfg.data_root
    replaced = []

    def visit(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                where = f'{path}.{key}'
                if key == 'data_root' and value == old_root:
                    node[key] = new_root
                    replaced.append(where)
                else:
                    visit(value, where)
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                visit(item, f'{path}[{i}]')

    for key, value in cfg.items():
        visit(value, key)
    where = ', '.join(replaced) or 'no dataset'
    print_log(f"data_root '{old_root}' -> '{new_root}' in: {where}",
              logger='current')
