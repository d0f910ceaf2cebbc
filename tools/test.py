"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--tta]``."""
import argparse
import json
import os
import os.path as osp

from mmssl_seg.engine import CheckedRunner
from mmssl_seg.utils import (add_run_arguments, finish_cpu_distributed,
                             load_run_config, register_all_modules,
                             setup_cpu_distributed)
from mmssl_seg.utils.compat import trust_checkpoint


def parse_args():
    parser = argparse.ArgumentParser(description='Test a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='the dir to save the predicted label maps (png)')
    parser.add_argument(
        '--dump-metrics', help='write the metrics to this json file')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='the dir to save every image drawn with its prediction')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='multi-scale + flip test-time augmentation (the config\'s '
        'tta_pipeline and tta_model)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle CHECKPOINT in full (it can execute code); without '
        'it, it loads with torch.load(weights_only=True)')
    add_run_arguments(parser)
    return parser.parse_args()


def enable_visualization(cfg, args) -> None:
    hook = cfg.default_hooks.visualization
    hook.draw = True
    hook.interval = 1
    if args.show:
        hook.show = True
        hook.wait_time = args.wait_time
    if args.show_dir:
        cfg.visualizer.save_dir = args.show_dir


def enable_tta(cfg) -> None:
    """Swap in the config's multi-scale + flip pipeline and TTA model."""
    for key in ('tta_pipeline', 'tta_model'):
        if key not in cfg:
            raise KeyError(f'--tta needs `{key}` in the config')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model
    cfg.test_dataloader.batch_size = 1


def build_config(args):
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {args.checkpoint}')
    cfg = load_run_config(args)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        enable_tta(cfg)
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    if args.trust_checkpoint:
        trust_checkpoint(args.checkpoint)
    cfg = build_config(args)
    setup_cpu_distributed(cfg)
    runner = CheckedRunner.from_cfg(cfg)
    runner.strict_load = True  # refuse a checkpoint that does not fit
    metrics = runner.test()
    if args.dump_metrics:
        os.makedirs(osp.dirname(osp.abspath(args.dump_metrics)), exist_ok=True)
        with open(args.dump_metrics, 'w') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
    finish_cpu_distributed()


if __name__ == '__main__':
    main()
