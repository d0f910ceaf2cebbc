"""Fine-tune and test configs at several label fractions and seeds.

    python tools/label_efficiency.py CONFIG [CONFIG ...] \
        --fractions 0.05 0.1 1.0 --seeds 0 1 2 --work-dir work_dirs/le [--tta]

Every (config, fraction, seed) run trains with ``tools/train.py`` (the
fraction and seed go to ``train_dataloader.dataset``, a
``LabelFractionDataset``) and tests its last checkpoint with
``tools/test.py``. A config may name a pretraining stage to run first:

    pretrain = dict(config='configs/ddep/....py', per_split=False)

``per_split=False`` pretrains once and shares the checkpoint (label-free
pretraining); ``True`` pretrains for every fraction and seed (a stage that
uses the labels). The fine-tuning run starts from it through ``load_from``.

Finished runs are kept and skipped when the tool is run again. The results
go to ``results.md``, ``results.csv`` and ``miou_vs_fraction.png`` (mean +-
std of the val mIoU over seeds).
"""
import argparse
import csv
import json
import os
import os.path as osp
import subprocess
import sys
from statistics import mean, stdev

from mmengine.config import Config

TOOLS = osp.dirname(osp.abspath(__file__))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Label-efficiency table: mIoU against label fraction')
    parser.add_argument('configs', nargs='+', help='fine-tuning configs')
    parser.add_argument(
        '--fractions',
        nargs='+',
        default=['0.05', '0.1', '1.0'],
        help="label fractions, numbers or ratios such as 1/8")
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--work-dir', default='work_dirs/label_efficiency')
    parser.add_argument(
        '--tta', action='store_true', help='also test with multi-scale + flip')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='passed on to every training and test run (key=value)')
    return parser.parse_args()


def run(cmd, log_path):
    """Run a tool, its output appended to ``log_path``; fail loudly."""
    print('$ ' + ' '.join(cmd) + f'\n  (progress: tail -f {log_path})',
          flush=True)
    with open(log_path, 'a') as log:
        code = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
    if code != 0:
        raise RuntimeError(f'command failed with exit code {code}; see '
                           f'{log_path}: {" ".join(cmd)}')


def last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def train(config, work_dir, options):
    """Train unless ``work_dir`` already holds a finished run."""
    if not osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        os.makedirs(work_dir, exist_ok=True)
        cmd = [sys.executable, osp.join(TOOLS, 'train.py'), config,
               '--work-dir', work_dir]
        if options:
            cmd += ['--cfg-options', *options]
        run(cmd, osp.join(work_dir, 'run.log'))
    return last_checkpoint(work_dir)


def test(config, checkpoint, work_dir, tta, options):
    name = 'metrics_tta.json' if tta else 'metrics.json'
    path = osp.join(work_dir, name)
    if not osp.isfile(path):
        cmd = [sys.executable, osp.join(TOOLS, 'test.py'), config, checkpoint,
               '--work-dir', osp.join(work_dir, 'test'), '--dump-metrics', path]
        if tta:
            cmd.append('--tta')
        if options:
            cmd += ['--cfg-options', *options]
        run(cmd, osp.join(work_dir, 'run.log'))
    with open(path) as f:
        return json.load(f)['mIoU']


def split_options(fraction, seed):
    return [f'train_dataloader.dataset.fraction={fraction}',
            f'train_dataloader.dataset.seed={seed}', f'randomness.seed={seed}']


def check_config(config):
    cfg = Config.fromfile(config)
    dataset = cfg.train_dataloader.dataset
    if dataset.get('type') != 'LabelFractionDataset':
        raise ValueError(f'{config}: train_dataloader.dataset must be a '
                         f"LabelFractionDataset, got {dataset.get('type')!r}")
    return cfg.get('pretrain', None)


def one_run(config, pretrain, fraction, seed, args):
    name = osp.splitext(osp.basename(config))[0]
    split = split_options(fraction, seed)
    tag = f"frac{fraction.replace('/', 'over')}_seed{seed}"
    options = list(split) + list(args.cfg_options)
    if pretrain is not None:
        pre_name = osp.splitext(osp.basename(pretrain['config']))[0]
        per_split = pretrain.get('per_split', False)
        pre_dir = osp.join(args.work_dir, 'pretrain', pre_name,
                           tag if per_split else 'shared')
        ckpt = train(pretrain['config'], pre_dir, split if per_split else [])
        options.append(f'load_from={ckpt}')
    work_dir = osp.join(args.work_dir, name, tag)
    ckpt = train(config, work_dir, options)
    result = dict(config=name, fraction=fraction, seed=seed,
                  miou=test(config, ckpt, work_dir, False, args.cfg_options))
    if args.tta:
        result['miou_tta'] = test(config, ckpt, work_dir, True,
                                  args.cfg_options)
    print(f'{name} fraction={fraction} seed={seed}: ' + ', '.join(
        f'{k}={v:.2f}' for k, v in result.items() if k.startswith('miou')),
        flush=True)
    return result


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


def main():
    args = parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    pretrains = {config: check_config(config) for config in args.configs}
    results = [
        one_run(config, pretrains[config], str(fraction), seed, args)
        for config in args.configs for fraction in args.fractions
        for seed in args.seeds
    ]
    keys = ['miou', 'miou_tta'] if args.tta else ['miou']
    rows = summarise(results, keys)
    print(write_tables(rows, keys, args.work_dir))
    print(f'plot: {plot(rows, args.work_dir)}')


if __name__ == '__main__':
    main()
