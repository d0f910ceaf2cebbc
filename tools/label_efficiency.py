"""Fine-tune and test configs at several label fractions and seeds.

    python tools/label_efficiency.py CONFIG [CONFIG ...] \
        --fractions 0.05 0.1 1.0 --seeds 0 1 2 --work-dir work_dirs/le [--tta]

Every (config, fraction, seed) runs the config's pretraining chain
(``pretrain_stages`` and ``slots``, docs/pretraining_chains.md), then
fine-tunes with ``tools/train.py`` (the fraction and seed go to
``train_dataloader.dataset``, a ``LabelFractionDataset``) and tests the final
checkpoint with ``tools/test.py``. Stages that run once are shared by every
split and config that names the same stage. Every argument and every config
of every chain is checked before anything trains.

Finished runs (with their final checkpoint and ``done.json``) are skipped
when the tool is run again; an interrupted one resumes. A run that a study
CSV (``--csv``, ``--reuse``) holds with the same recipe (the hash of every
stage's resolved config, the same on any machine) is not run again: its
row is taken, so a study resumes in a new session or on another machine.
``--finetune-options`` sets options of the fine-tuning alone (a tuning
grid); the results name them after the config. The results go to
``results.csv`` (one row per run: config, role, fraction, seed, mIoU;
rewritten after every run, and merged into ``--csv`` when given),
``results.md`` (mean +- std over seeds; with ``--baseline``, each config's
difference to the baseline paired by seed, its std and the p-value of a
paired t-test, * where p < 0.05) and ``miou_vs_fraction.png``.
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction

from mmssl_seg.apis import ChainRunner, add_chain_arguments
from mmssl_seg.datasets.label_fraction import parse_fraction
from mmssl_seg.utils.study_results import (markdown_table, measured_run,
                                           merge_results, plot, read_results,
                                           result_keys, spread_verdicts,
                                           summarise, write_results)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Label-efficiency table: val mIoU against label fraction')
    parser.add_argument(
        'configs', nargs='*',
        help='fine-tuning configs of the methods (with their pretraining '
        'chains)')
    parser.add_argument(
        '--baseline',
        help='the config every other one is compared with, per fraction and '
        'paired by seed (the same labelled split): mean +- std of the '
        'difference and the p-value of a paired t-test')
    parser.add_argument(
        '--ablations', nargs='+', default=[],
        help='configs reported with the role "ablation"')
    parser.add_argument(
        '--fractions',
        nargs='+',
        default=['0.05', '0.1', '1.0'],
        help='label fractions, numbers in (0, 1] or ratios such as 1/8')
    parser.add_argument(
        '--seeds', nargs='+', type=int, default=[0, 1, 2],
        help='seeds: each picks the training seed and, without '
        '--split-seed, the labelled split')
    parser.add_argument(
        '--split-seed', type=int,
        help='one labelled split per fraction, that of this seed, for every '
        'run: --seeds then vary only the training, so the std over seeds '
        'is the training noise on that split')
    parser.add_argument(
        '--iters-by-fraction', nargs='+', action=DictAction, default={},
        metavar='FRACTION=ITERS',
        help='fine-tuning iterations at these fractions instead of the '
        'config\'s, e.g. 1.0=1000: the warm-up is kept and the decay '
        'stretched to the new end')
    parser.add_argument(
        '--csv',
        help='also keep the per-run results in this study CSV (e.g. '
        'docs/results/ddep_camvid.csv), updated after every run: a run of '
        'the same config, fraction and seed replaces its old row')
    parser.add_argument(
        '--reuse', nargs='+', default=[], metavar='CSV',
        help='other studies\' per-run CSVs: a run they hold with the same '
        'recipe (e.g. a shared baseline) is taken from them, not run again')
    parser.add_argument(
        '--finetune-options', nargs='+', action=DictAction, default={},
        help='key=value settings of the fine-tuning (the last stage) alone, '
        'after --cfg-options, e.g. optim_wrapper.optimizer.lr=3e-4 for a '
        'tuning grid; the results name them after the config')
    parser.add_argument(
        '--spread-from', metavar='CSV',
        help='a study\'s per-run CSV: say whether each difference to the '
        'baseline is larger than the seed spread measured there')
    add_chain_arguments(parser, 'work_dirs/label_efficiency')
    args = parser.parse_args(argv)
    for fraction in args.fractions:
        parse_fraction(fraction)
    for fraction, iters in args.iters_by_fraction.items():
        parse_fraction(fraction)
        if not isinstance(iters, int) or iters < 1:
            parser.error(f'--iters-by-fraction {fraction}={iters}: the '
                         'iterations must be an int >= 1')
    for path in args.reuse:
        if not osp.isfile(path):
            parser.error(f'--reuse: no study CSV at {path}')
    if not args.configs and not args.baseline:
        parser.error('give at least one config')
    return args


def roles(args):
    """(config, role) in table order: baseline, methods, ablations."""
    out = [(args.baseline, 'baseline')] if args.baseline else []
    return out + [(c, 'method') for c in args.configs] + [
        (c, 'ablation') for c in args.ablations]


def run_name(runner: ChainRunner) -> str:
    """The fine-tuning's name, its ``--finetune-options`` and read-out."""
    options = ''.join(f' {k}={v}' for k, v in
                      runner.finetune_options.items())
    return runner.chain[-1].name + options + (
        ' (linear probe)' if runner.probe else '')


def one_run(runner: ChainRunner, role: str, tta: bool,
            studies=()) -> dict:
    """The run's result: its row in ``studies`` (per-run results of earlier
    studies) where one has the same recipe, else trained and tested."""
    name, recipe = run_name(runner), runner.recipe_key()
    keys = ('miou', 'miou_tta') if tta else ('miou', )
    row = measured_run(studies, name, runner.fraction, runner.seed, recipe,
                       keys)
    if row is not None:
        result = dict(row, role=role)
        print(f'{name} fraction={runner.fraction} seed={runner.seed}: '
              'measured before with the same recipe, taken from the study '
              'CSV', flush=True)
        return result
    run = runner.train()
    result = dict(config=name, role=role,
                  fraction=runner.fraction, seed=runner.seed,
                  miou=runner.test(run), recipe=recipe)
    if tta:
        result['miou_tta'] = runner.test(run, tta=True)
    print(f"{result['config']} fraction={runner.fraction} "
          f'seed={runner.seed}: ' + ', '.join(
              f'{k}={v:.2f}' for k, v in result.items()
              if k.startswith('miou')), flush=True)
    return result


def main(argv=None):
    args = parse_args(argv)
    runners = [
        (ChainRunner(config, args.work_dir, fraction, seed, args.cfg_options,
                     args.threads, args.probe,
                     log=lambda msg: print(msg, flush=True),
                     finetune_options=args.finetune_options,
                     split_seed=args.split_seed,
                     iters_by_fraction=args.iters_by_fraction),
         role)
        for config, role in roles(args) for fraction in args.fractions
        for seed in args.seeds
    ]
    studies = [read_results(path) for path in
               ([args.csv] if args.csv and osp.isfile(args.csv) else []) +
               args.reuse]
    os.makedirs(args.work_dir, exist_ok=True)
    results = []
    for runner, role in runners:
        results.append(one_run(runner, role, args.tta, studies))
        save_results(results, args)
    rows = summarise(results, result_keys(results))
    table = markdown_table(rows, result_keys(results),
                           split_seed=args.split_seed)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table)
    print(table)
    if args.spread_from:
        study = read_results(args.spread_from)
        print('\n'.join(spread_verdicts(rows, study, args.spread_from)))
    png = osp.join(args.work_dir, 'miou_vs_fraction.png')
    print(f'plot: {plot(rows, png)}')


def save_results(results, args):
    """After every run: the work dir's ``results.csv`` and, with ``--csv``,
    the study's CSV, so an interrupted study keeps what it measured."""
    path = write_results(results, osp.join(args.work_dir, 'results.csv'))
    if args.csv:
        old = read_results(args.csv) if osp.isfile(args.csv) else []
        write_results(merge_results(old, results), args.csv)
        path += f' and {args.csv}'
    print(f'per-run results: {path}', flush=True)


if __name__ == '__main__':
    main()
