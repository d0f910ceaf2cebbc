"""The summary table (and plot) of a study from its per-run CSV.

    python tools/analysis_tools/study_table.py docs/results/ddep_camvid.csv \
        [--plot docs/figures/ddep_miou_vs_fraction_camvid.png]

Prints the markdown table of ``tools/label_efficiency.py`` (mean +- std over
seeds per config and fraction; each config's difference to the baseline,
paired by seed, with the p-value of a paired t-test), so the READMEs' tables
are generated from the committed per-run results.
"""
import argparse

from mmssl_seg.utils.study_results import (markdown_table, plot,
                                           read_results, result_keys,
                                           summarise)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Summary table of a study from its per-run CSV')
    parser.add_argument('csv', help='per-run results: config,role,fraction,'
                        'seed,miou[,miou_tta]')
    parser.add_argument('--plot', help='also plot mIoU against the label '
                        'fraction to this PNG')
    parser.add_argument('--alpha', type=float, default=0.05,
                        help='significance level of the * marks')
    parser.add_argument('--split-seed', type=int,
                        help='the study ran with this --split-seed: its '
                        'seeds share one labelled split')
    args = parser.parse_args(argv)
    results = read_results(args.csv)
    if not results:
        raise SystemExit(f'{args.csv} has no runs')
    rows = summarise(results, result_keys(results))
    print(markdown_table(rows, result_keys(results), args.alpha,
                         args.split_seed), end='')
    if args.plot:
        print(f'\nplot: {plot(rows, args.plot)}')


if __name__ == '__main__':
    main()
