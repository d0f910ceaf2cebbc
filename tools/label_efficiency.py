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
``results.md``, ``results.csv`` and ``miou_vs_fraction.png`` (mean +- std of
the val mIoU over seeds).
"""
import argparse
import csv
import os
import os.path as osp
from statistics import mean, stdev

from mmssl_seg.apis import ChainRunner, add_chain_arguments
from mmssl_seg.datasets.label_fraction import parse_fraction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Label-efficiency table: val mIoU against label fraction')
    parser.add_argument(
        'configs', nargs='+',
        help='fine-tuning configs (with their pretraining chains)')
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
    return args


def summarise(results, keys):
    """Mean and std over seeds per (config, fraction), in input order."""
    groups = {}
    for r in results:
        groups.setdefault((r['config'], r['fraction']), []).append(r)
    rows = []
    for (config, fraction), runs in groups.items():
        row = dict(config=config, fraction=fraction, runs=len(runs))
        for key in keys:
            values = [r[key] for r in runs]
            row[key] = mean(values)
            row[key + '_std'] = stdev(values) if len(values) > 1 else 0.0
        rows.append(row)
    return rows


def write_tables(rows, keys, work_dir):
    with open(osp.join(work_dir, 'results.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    titles = {'miou': 'mIoU', 'miou_tta': 'mIoU (ms+flip)'}
    lines = ['| config | label fraction | runs | ' +
             ' | '.join(titles[k] for k in keys) + ' |',
             '|---|---|---|' + '---|' * len(keys)]
    for row in rows:
        cells = [f"{row[k]:.2f} +- {row[k + '_std']:.2f}" for k in keys]
        lines.append(f"| {row['config']} | {row['fraction']} | {row['runs']}"
                     f" | {' | '.join(cells)} |")
    table = '\n'.join(lines) + '\n'
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


def one_run(runner: ChainRunner, tta: bool) -> dict:
    run = runner.train()
    result = dict(config=runner.chain[-1].name, fraction=runner.fraction,
                  seed=runner.seed, miou=runner.test(run))
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
        ChainRunner(config, args.work_dir, fraction, seed, args.cfg_options,
                    log=lambda msg: print(msg, flush=True))
        for config in args.configs for fraction in args.fractions
        for seed in args.seeds
    ]
    os.makedirs(args.work_dir, exist_ok=True)
    results = [one_run(runner, args.tta) for runner in runners]
    keys = ['miou', 'miou_tta'] if args.tta else ['miou']
    rows = summarise(results, keys)
    print(write_tables(rows, keys, args.work_dir))
    print(f'plot: {plot(rows, args.work_dir)}')


if __name__ == '__main__':
    main()
