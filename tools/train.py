"""Train a model from a config: ``python tools/train.py CONFIG [options]``."""
import argparse
import logging
import os

import torch
from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint

from mmssl_seg.engine import CheckedRunner
from mmssl_seg.utils import (add_run_arguments, finish_cpu_distributed,
                             load_run_config, register_all_modules,
                             setup_cpu_distributed)
from mmssl_seg.utils.compat import trust_checkpoint
from mmssl_seg.utils.work_dir_lock import WorkDirLock


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from '
        'the latest checkpoint in the work dir (if there is none, the run '
        'starts as configured, from load_from if set)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (needs a CUDA GPU)')
    parser.add_argument(
        '--trust-checkpoint',
        action='append',
        default=[],
        metavar='FILE',
        help='unpickle this checkpoint file in full (it can execute code); '
        'without it, checkpoints load with torch.load(weights_only=True)')
    add_run_arguments(parser)
    return parser.parse_args()


def set_resume(cfg, resume) -> None:
    """``--resume``: a named checkpoint, or the work dir's latest one."""
    if resume is None:
        return
    if resume != 'auto':
        cfg.resume, cfg.load_from = True, resume
        return
    latest = find_latest_checkpoint(cfg.work_dir)
    if latest is None:
        print_log(
            f'--resume: no checkpoint to resume in {cfg.work_dir}; starting '
            f'a new run (load_from={cfg.get("load_from")})',
            logger='current', level=logging.WARNING)
        return
    cfg.resume, cfg.load_from = True, latest


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
    set_resume(cfg, args.resume)
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    for path in args.trust_checkpoint:
        trust_checkpoint(path)
    cfg = build_config(args)
    setup_cpu_distributed(cfg)
    main_process = int(os.environ.get('RANK', '0')) == 0
    lock = WorkDirLock(cfg.work_dir)
    if main_process:
        lock.acquire()
        if lock.taken_over:
            print_log(f'took over the lock of a run that no longer runs: '
                      f'{lock.taken_over}', logger='current',
                      level=logging.WARNING)
    try:
        CheckedRunner.from_cfg(cfg).train()
    finally:
        if main_process:
            lock.release()
    finish_cpu_distributed()


if __name__ == '__main__':
    main()
