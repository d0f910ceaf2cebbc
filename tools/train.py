"""Train a model from a config: ``python tools/train.py CONFIG [options]``."""
import argparse
import logging

import torch
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmssl_seg.utils import (add_run_arguments, finish_cpu_distributed,
                             load_run_config, register_all_modules,
                             setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from '
        'the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (needs a CUDA GPU)')
    add_run_arguments(parser)
    return parser.parse_args()


def build_config(args):
    cfg = load_run_config(args)
    if args.amp:
        if not torch.cuda.is_available():
            raise SystemExit(
                '--amp needs a CUDA GPU: mixed precision through mmengine\'s '
                'AmpOptimWrapper is not supported on CPU, and this machine '
                'has no GPU. Run without --amp.')
        if cfg.optim_wrapper.type == 'AmpOptimWrapper':
            print_log('AMP is already enabled in the config.',
                      logger='current', level=logging.WARNING)
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = build_config(args)
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    finish_cpu_distributed()


if __name__ == '__main__':
    main()
