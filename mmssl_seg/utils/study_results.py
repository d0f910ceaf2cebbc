"""Per-run results of a label-efficiency study and their summary table.

A study's per-run results are a CSV with one row per (config, fraction,
seed) run: ``config,role,fraction,seed,miou`` (role is ``baseline``,
``method`` or ``ablation``), plus ``miou_tta`` where the runs were also
tested with multi-scale + flip, and ``recipe``, the hash of the run's
configs (``ChainRunner.recipe_key``) that lets a later study reuse it.
The summary per (config, fraction) is the mean and sample std over seeds
and, for every config but the baseline, the difference to the baseline
paired by seed (the same labelled split), with the p-value of a paired
t-test.
"""
import csv
import math
import os
import os.path as osp
from fractions import Fraction
from statistics import mean, stdev
from typing import List, Optional, Sequence

from .paired_test import paired_difference

RESULT_COLUMNS = ['config', 'role', 'fraction', 'seed', 'miou']
ROLES = ('baseline', 'method', 'ablation')
TITLES = {'miou': 'mIoU', 'miou_tta': 'mIoU (ms+flip)'}


def result_keys(results: Sequence[dict]) -> List[str]:
    """The metric columns the results have: ``miou`` [, ``miou_tta``]."""
    tta = bool(results) and all('miou_tta' in r for r in results)
    return ['miou', 'miou_tta'] if tta else ['miou']


def summarise(results: Sequence[dict], keys: Sequence[str]) -> List[dict]:
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


def write_results(results: Sequence[dict], path: str) -> str:
    """Writes ``path``: one row per run, :data:`RESULT_COLUMNS` first, then
    ``miou_tta`` where every row has it and ``recipe`` where any has it.
    Metrics are written to 4 decimals: mmseg reports them to 2 in float32,
    whose other digits are noise (56.23 arrives as 56.22999954223633)."""
    columns = RESULT_COLUMNS + result_keys(results)[1:]
    if any(r.get('recipe') for r in results):
        columns.append('recipe')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for r in results:
            writer.writerow({
                k: round(r[k], 4) if k in TITLES and k in r else r.get(k, '')
                for k in columns})
    return path


def measured_run(studies: Sequence[Sequence[dict]], config: str,
                 fraction: str, seed: int, recipe: str,
                 keys: Sequence[str] = ('miou', )):
    """A row of ``studies`` (per-run results) for this run of this recipe
    with every metric in ``keys``, or None: a row without ``recipe`` or of
    another recipe is never taken for it."""
    if not recipe:
        return None
    for rows in studies:
        for r in rows:
            if (r['config'], r['fraction'], r['seed'], r.get('recipe')) == (
                    config, fraction, seed, recipe) and all(
                        k in r for k in keys):
                return r
    return None


def read_results(path: str) -> List[dict]:
    """The rows of a per-run CSV, seeds as ints and metrics as floats.

    Raises:
        ValueError: naming the file and row if a column is missing, a role
            is unknown or a value is not a number.
    """
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        missing = set(RESULT_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f'{path} lacks the columns {sorted(missing)}; '
                             f'a study CSV has {RESULT_COLUMNS}')
        results = []
        for line, row in enumerate(reader, start=2):
            try:
                if row['role'] not in ROLES:
                    raise ValueError(f"role {row['role']!r} is not one of "
                                     f'{ROLES}')
                row['seed'] = int(row['seed'])
                for key in TITLES:
                    if row.get(key) not in (None, ''):
                        row[key] = float(row[key])
                    else:
                        row.pop(key, None)
                if not row.get('recipe'):
                    row.pop('recipe', None)
            except ValueError as e:
                raise ValueError(f'{path}, line {line}: {e}') from e
            results.append(row)
    return results


def merge_results(old: Sequence[dict], new: Sequence[dict]) -> List[dict]:
    """``old`` with the runs of ``new`` added; a run of the same (config,
    fraction, seed) is replaced in place."""
    def key(r):
        return r['config'], r['fraction'], r['seed']

    merged = {key(r): r for r in old}
    merged.update((key(r), r) for r in new)
    return list(merged.values())


def markdown_table(rows: Sequence[dict], keys: Sequence[str],
                   alpha: float = 0.05,
                   split_seed: Optional[int] = None) -> str:
    """Mean +- std per config and fraction, and the paired difference to the
    baseline (* where p < alpha, escaped in the footnote so that markdown
    does not start a list); ``split_seed`` says the runs share the labelled
    split of that seed."""
    with_diff = any('diff' in row for row in rows)
    head = ['config', 'role', 'label fraction', 'runs'] + [
        TITLES[k] for k in keys]
    if with_diff:
        head += ['mIoU - baseline (paired)', 'p (paired t-test)']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for row in rows:
        cells = [row['config'], row['role'], row['fraction'],
                 str(row['runs'])]
        cells += [f"{row[k]:.2f} +- {row[k + '_std']:.2f}" for k in keys]
        if with_diff:
            cells += _difference_cells(row.get('diff'), alpha)
        lines.append('| ' + ' | '.join(cells) + ' |')
    table = '\n'.join(lines) + '\n'
    if with_diff:
        pairs = ('each seed is one labelled split' if split_seed is None
                 else f'one labelled split, that of seed {split_seed}')
        table += (f'\n\\* the difference is significant at {alpha} (paired '
                  f't-test over seeds; {pairs}).\n')
    return table


def _difference_cells(diff, alpha: float) -> List[str]:
    if diff is None:
        return ['', '']
    mark = ' *' if diff.significant(alpha) else ''
    std = '' if math.isnan(diff.std) else f' +- {diff.std:.2f}'
    p = '-' if math.isnan(diff.p) else f'{diff.p:.3f}'
    return [f'{diff.mean:+.2f}{std}{mark}', p]


def spread_verdicts(rows: Sequence[dict], study: Sequence[dict],
                    source: str) -> List[str]:
    """For each row with a difference to the baseline: is it larger than the
    seed spread that ``study`` (the per-run results read from ``source``)
    measured at the same fraction? The spread is the larger of the
    baseline's std over seeds and, where the study has the same config, the
    std of its paired differences to the baseline over seeds."""
    lines = []
    for row in rows:
        if 'diff' not in row:
            continue
        same = [r for r in study if r['fraction'] == row['fraction']]
        base = {r['seed']: r['miou'] for r in same
                if r['role'] == 'baseline'}
        head = (f"{row['config']} at {row['fraction']} of the labels: "
                f"{row['diff'].mean:+.2f} mIoU against the baseline")
        if len(base) < 2:
            lines.append(f'{head}; {source} has fewer than 2 baseline seeds '
                         'at this fraction, so no seed spread to compare')
            continue
        spreads = [(stdev(base.values()),
                    f'std of the baseline over {len(base)} seeds')]
        diffs = [r['miou'] - base[r['seed']] for r in same
                 if r['config'] == row['config'] and r['seed'] in base]
        if len(diffs) > 1:
            spreads.append((stdev(diffs), 'std of its paired difference '
                            f'over {len(diffs)} seeds'))
        told = ' and '.join(f'{v:.2f} ({what})' for v, what in spreads)
        if abs(row['diff'].mean) > max(v for v, _ in spreads):
            side = 'ahead of' if row['diff'].mean > 0 else 'behind'
            verdict = (f'larger than the seed spread: {row["config"]} is '
                       f'{side} the baseline')
        else:
            verdict = 'not larger than the seed spread'
        lines.append(f'{head}; seed spread measured in {source}: {told}: '
                     f'the difference is {verdict}')
    return lines


def plot(rows: Sequence[dict], path: str) -> str:
    """mIoU against label fraction (log axis), mean +- std per config."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for config in dict.fromkeys(r['config'] for r in rows):
        mine = sorted(((float(Fraction(r['fraction'])), r) for r in rows
                       if r['config'] == config), key=lambda xr: xr[0])
        ax.errorbar([x for x, _ in mine], [r['miou'] for _, r in mine],
                    yerr=[r['miou_std'] for _, r in mine], marker='o',
                    capsize=3, label=config)
    ax.set_xscale('log')
    ax.set_xlabel('label fraction')
    ax.set_ylabel('val mIoU (%)')
    ax.grid(True, alpha=.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
