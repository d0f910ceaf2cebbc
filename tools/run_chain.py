"""Run one config's pretraining chain and fine-tuning, then test it.

    python tools/run_chain.py CONFIG [--fraction 0.1] [--seed 0] \
        [--work-dir work_dirs/chains] [--tta] [--cfg-options k=v ...]

The stages come from the config's ``pretrain_stages`` and ``slots``
(docs/pretraining_chains.md); finished stages are skipped, an interrupted
one resumes, a changed one runs again with everything after it. Prints the
val mIoU of the fine-tuned model. ``tools/label_efficiency.py`` runs the same
chains over several label fractions and seeds.
"""
import argparse

from mmengine.config import Config

from mmssl_seg.apis import ChainRunner, add_chain_arguments


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Run a pretraining chain and its fine-tuning')
    parser.add_argument('config', help='fine-tuning config with its chain')
    parser.add_argument(
        '--fraction',
        help='label fraction of the split, a number in (0, 1] or a ratio '
        'such as 1/8 (default: the config\'s)')
    parser.add_argument(
        '--seed', type=int,
        help='seed of the split and of training (default: the config\'s)')
    add_chain_arguments(parser, 'work_dirs/chains')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    split = Config.fromfile(args.config).train_dataloader.dataset
    runner = ChainRunner(
        args.config, args.work_dir,
        str(args.fraction if args.fraction is not None else split.fraction),
        args.seed if args.seed is not None else split.seed,
        args.cfg_options, args.threads, args.probe,
        log=lambda msg: print(msg, flush=True))
    run = runner.train()
    print(f'{runner.chain[-1].name}: val mIoU {runner.test(run):.2f}')
    if args.tta:
        print(f'{runner.chain[-1].name}: val mIoU (multi-scale + flip) '
              f'{runner.test(run, tta=True):.2f}')


if __name__ == '__main__':
    main()
