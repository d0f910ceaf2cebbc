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
when the tool is run again; an interrupted one resumes. The results go to
``results.csv`` (one row per run: config, role, fraction, seed, mIoU),
``results.md`` (mean +- std over seeds; with ``--baseline``, each config's
difference to the baseline paired by seed, its std and the p-value of a
paired t-test, * where p < 0.05) and ``miou_vs_fraction.png``.
"""
import argparse
import csv
import math
import os
import os.path as osp
from statistics import mean, stdev

from mmssl_seg.apis import ChainRunner, add_chain_arguments
from mmssl_seg.datasets.label_fraction import parse_fraction
from mmssl_seg.utils.paired_test import paired_difference


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
        help='seeds: each picks a labelled split and the training seed')
    add_chain_arguments(parser, 'work_dirs/label_efficiency')
    args = parser.parse_args(argv)
    for fraction in args.fractions:
        parse_fraction(fraction)
    if not args.configs and not args.baseline:
        parser.error('give at least one config')
    return args


def roles(args):
    """(config, role) in table order: baseline, methods, ablations."""
    out = [(args.baseline, 'baseline')] if args.baseline else []
    return out + [(c, 'method') for c in args.configs] + [
        (c, 'ablation') for c in args.ablations]


def summarise(results, keys):
    """Mean and std over seeds per (config, fraction), in input order; with
    a baseline run, each other config's paired difference to it."""
    groups = {}
    for r in results:
        groups.setdefault((r['config'], r['fraction']), []).append(r)
    baseline = {(r['fraction'], r['seed']): r for r in results
                if r['role'] == 'baseline'}
    rows = []
    for (config, fraction), runs in groups.items():
        row = dict(config=config, role=runs[0]['role'], fraction=fraction,
                   runs=len(runs))
        for key in keys:
            values = [r[key] for r in runs]
            row[key] = mean(values)
            row[key + '_std'] = stdev(values) if len(values) > 1 else 0.0
        paired = [r for r in runs if (fraction, r['seed']) in baseline]
        if row['role'] != 'baseline' and paired:
            row['diff'] = paired_difference(
                [r['miou'] for r in paired],
                [baseline[fraction, r['seed']]['miou'] for r in paired])
        rows.append(row)
    return rows


RESULT_COLUMNS = ['config', 'role', 'fraction', 'seed', 'miou']


def write_results(results, keys, work_dir):
    """``results.csv``: one row per run (config, role, fraction, seed,
    mIoU)."""
    path = osp.join(work_dir, 'results.csv')
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=RESULT_COLUMNS + keys[1:])
        writer.writeheader()
        for r in results:
            writer.writerow({k: r[k] for k in RESULT_COLUMNS + keys[1:]})
    return path


def write_table(rows, keys, work_dir, alpha=0.05):
    """``results.md``: mean +- std per config and fraction, and the paired
    difference to the baseline (* where p < alpha)."""
    titles = {'miou': 'mIoU', 'miou_tta': 'mIoU (ms+flip)'}
    with_diff = any('diff' in row for row in rows)
    head = ['config', 'role', 'label fraction', 'runs'] + [
        titles[k] for k in keys]
    if with_diff:
        head += ['mIoU - baseline (paired)', 'p (paired t-test)']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for row in rows:
        cells = [row['config'], row['role'], row['fraction'],
                 str(row['runs'])]
        cells += [f"{row[k]:.2f} +- {row[k + '_std']:.2f}" for k in keys]
        if with_diff:
            diff = row.get('diff')
            if diff is None:
                cells += ['', '']
            else:
                mark = ' *' if diff.significant(alpha) else ''
                std = '' if math.isnan(diff.std) else f' +- {diff.std:.2f}'
                p = '-' if math.isnan(diff.p) else f'{diff.p:.3f}'
                cells += [f'{diff.mean:+.2f}{std}{mark}', p]
        lines.append('| ' + ' | '.join(cells) + ' |')
    table = '\n'.join(lines) + '\n'
    if with_diff:
        table += (f'\n* the difference is significant at {alpha} (paired '
                  't-test over seeds; each seed is one labelled split).\n')
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(table)
    return table


def plot(rows, work_dir):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from fractions import Fraction

    fig, ax = plt.subplots(figsize=(6, 4))
    for config in dict.fromkeys(r['config'] for r in rows):
        mine = sorted((float(Fraction(r['fraction'])), r) for r in rows
                      if r['config'] == config)
        ax.errorbar([x for x, _ in mine], [r['miou'] for _, r in mine],
                    yerr=[r['miou_std'] for _, r in mine], marker='o',
                    capsize=3, label=config)
    ax.set_xscale('log')
    ax.set_xlabel('label fraction')
    ax.set_ylabel('val mIoU (%)')
    ax.grid(True, alpha=.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = osp.join(work_dir, 'miou_vs_fraction.png')
    fig.savefig(path, dpi=120)
    return path


def one_run(runner: ChainRunner, role: str, tta: bool) -> dict:
    run = runner.train()
    name = runner.chain[-1].name + (' (linear probe)' if runner.probe else '')
    result = dict(config=name, role=role,
                  fraction=runner.fraction, seed=runner.seed,
                  miou=runner.test(run))
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
                     log=lambda msg: print(msg, flush=True)),
         role)
        for config, role in roles(args) for fraction in args.fractions
        for seed in args.seeds
    ]
    os.makedirs(args.work_dir, exist_ok=True)
    results = [one_run(runner, role, args.tta) for runner, role in runners]
    keys = ['miou', 'miou_tta'] if args.tta else ['miou']
    print(f'per-run results: {write_results(results, keys, args.work_dir)}')
    rows = summarise(results, keys)
    print(write_table(rows, keys, args.work_dir))
    print(f'plot: {plot(rows, args.work_dir)}')


if __name__ == '__main__':
    main()
