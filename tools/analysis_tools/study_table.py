"""The summary table (and plot) of a study from its per-run CSV.

    python tools/analysis_tools/study_table.py docs/results/ddep_camvid.csv \
        [--split-seed 0] [--plot docs/figures/ddep_miou_vs_fraction.png]

Prints the markdown table of ``tools/label_efficiency.py`` (mean +- std over
seeds per config and fraction; each config's difference to the baseline,
paired by seed, with the p-value of a paired t-test), its rows grouped by
role (baseline, methods, ablations) and ordered by label fraction.

The READMEs' tables are generated from the committed per-run results. A
table between the markers

    <!-- study_table.py docs/results/ddep_camvid.csv --split-seed 0 -->
    <!-- end study_table.py -->

is rewritten from the named CSV by ``--update README.md ...``, which also
redraws the ``--plot`` of every table that changed; ``--check README.md
...`` exits with an error naming every table that differs from its CSV.
Run it from the repository root: the paths in the markers are relative to
it.
"""
import argparse
import re
import sys
from fractions import Fraction

from mmssl_seg.utils.study_results import (ROLES, markdown_table, plot,
                                           read_results, result_keys,
                                           summarise)

MARKED_TABLE = re.compile(
    r'(?P<head><!-- study_table\.py (?P<args>[^>]*?) -->\n)'
    r'(?P<table>.*?)(?P<tail><!-- end study_table\.py -->)', re.S)


def table_parser():
    parser = argparse.ArgumentParser(
        description='Summary table of a study from its per-run CSV')
    parser.add_argument('csv', nargs='?', help='per-run results: config,'
                        'role,fraction,seed,miou[,miou_tta]')
    parser.add_argument('--plot', help='also plot mIoU against the label '
                        'fraction to this PNG')
    parser.add_argument('--alpha', type=float, default=0.05,
                        help='significance level of the * marks')
    parser.add_argument('--split-seed', type=int,
                        help='the study ran with this --split-seed: its '
                        'seeds share one labelled split')
    return parser


def study_rows(path: str):
    """The summary rows of the study CSV at ``path``, in table order."""
    results = read_results(path)
    if not results:
        raise ValueError(f'{path} has no runs')
    configs = list(dict.fromkeys(r['config'] for r in results))
    results.sort(key=lambda r: (ROLES.index(r['role']),
                                configs.index(r['config']),
                                Fraction(r['fraction']), r['seed']))
    keys = result_keys(results)
    return summarise(results, keys), keys


def study_table(args):
    """The summary rows of ``args.csv`` and their markdown table."""
    rows, keys = study_rows(args.csv)
    return rows, markdown_table(rows, keys, args.alpha, args.split_seed)


def marked_tables(path: str, draw: bool):
    """The text of the markdown file ``path`` with every marked table
    regenerated, and the arguments of the tables that changed; ``draw``
    redraws their plots."""
    with open(path) as f:
        text = f.read()
    stale = []

    def regenerate(match):
        args = table_parser().parse_args(match['args'].split())
        if not args.csv:
            raise ValueError(f'{path}: a study_table.py marker names no '
                             f'CSV: {match["head"].strip()}')
        rows, table = study_table(args)
        if table != match['table']:
            stale.append(match['args'])
            if draw and args.plot:
                plot(rows, args.plot)
        return match['head'] + table + match['tail']

    return MARKED_TABLE.sub(regenerate, text), stale


def main(argv=None):
    parser = table_parser()
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--update', nargs='+', metavar='MD',
                       help='rewrite the marked tables of these files')
    group.add_argument('--check', nargs='+', metavar='MD',
                       help='fail if a marked table differs from its CSV')
    args = parser.parse_args(argv)
    if bool(args.csv) == bool(args.update or args.check):
        parser.error('give a study CSV, or --update / --check files')
    if args.csv:
        try:
            rows, table = study_table(args)
        except ValueError as e:
            raise SystemExit(str(e))
        print(table, end='')
        if args.plot:
            print(f'\nplot: {plot(rows, args.plot)}')
        return
    stale = []
    for path in args.update or args.check:
        text, changed = marked_tables(path, draw=bool(args.update))
        stale += [f'{path}: the table of {a}' for a in changed]
        if args.update and changed:
            with open(path, 'w') as f:
                f.write(text)
    verb = 'updated' if args.update else 'differs from its CSV'
    for line in stale:
        print(f'{line} {verb}')
    if args.check and stale:
        sys.exit(f'{len(stale)} table(s) differ; run study_table.py '
                 '--update on the file(s)')


if __name__ == '__main__':
    main()
