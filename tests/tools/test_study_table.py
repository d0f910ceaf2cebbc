"""The READMEs' study tables are generated from the per-run CSVs."""
import glob
import os.path as osp
import sys

import pytest

from mmssl_seg.utils import study_results
from tests.conftest import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
import study_table  # noqa: E402

RUNS = [
    # config, role, fraction, seed, miou; in the order a study appends them
    ('m', 'method', '1.0', 0, 52.0), ('base', 'baseline', '1.0', 0, 50.0),
    ('abl', 'ablation', '0.1', 0, 41.0), ('base', 'baseline', '0.1', 0, 40.),
    ('m', 'method', '0.1', 0, 43.0), ('base', 'baseline', '0.1', 1, 42.0),
    ('m', 'method', '0.1', 1, 44.0), ('abl', 'ablation', '0.1', 1, 41.0),
]


def study_csv(tmp_path):
    results = [dict(zip(('config', 'role', 'fraction', 'seed', 'miou'), r))
               for r in RUNS]
    return study_results.write_results(results, str(tmp_path / 'study.csv'))


def table_rows(table):
    return [line.split(' | ')[:3] for line in table.splitlines()[2:]
            if line.startswith('| ')]


def test_rows_are_grouped_by_role_then_config_then_fraction(tmp_path,
                                                            capsys):
    study_table.main([study_csv(tmp_path), '--split-seed', '0'])
    table = capsys.readouterr().out
    assert table_rows(table) == [
        ['| base', 'baseline', '0.1'], ['| base', 'baseline', '1.0'],
        ['| m', 'method', '0.1'], ['| m', 'method', '1.0'],
        ['| abl', 'ablation', '0.1']]
    # m - base at 0.1, paired by seed: +3 and +2
    assert '| m | method | 0.1 | 2 | 43.50 +- 0.71 | +2.50 +- 0.71 |' in table
    # the footnote is escaped so markdown does not read it as a list
    assert '\n\\* the difference is significant at 0.05' in table


def test_marked_tables_are_checked_and_updated_from_their_csv(tmp_path,
                                                              capsys):
    csv_path = study_csv(tmp_path)
    readme = tmp_path / 'README.md'
    marker = f'<!-- study_table.py {csv_path} --split-seed 0 -->\n'
    readme.write_text('# Study\n\n' + marker + '| an old table |\n'
                      '<!-- end study_table.py -->\n\nText after.\n')
    with pytest.raises(SystemExit, match='1 table'):
        study_table.main(['--check', str(readme)])
    assert (f'{readme}: the table of {csv_path} --split-seed 0 differs '
            'from its CSV') in capsys.readouterr().out

    study_table.main(['--update', str(readme)])
    study_table.main([csv_path, '--split-seed', '0'])
    table = capsys.readouterr().out.split('updated\n')[1]
    assert readme.read_text() == ('# Study\n\n' + marker + table +
                                  '<!-- end study_table.py -->\n\n'
                                  'Text after.\n')
    study_table.main(['--check', str(readme)])  # current: no error
    assert capsys.readouterr().out == ''


def test_update_redraws_the_plot_of_a_changed_table_only(tmp_path):
    csv_path = study_csv(tmp_path)
    readme = tmp_path / 'README.md'
    png = tmp_path / 'plot.png'
    readme.write_text(f'<!-- study_table.py {csv_path} --plot {png} -->\n'
                      '<!-- end study_table.py -->\n')
    study_table.main(['--update', str(readme)])
    assert png.is_file()
    png.unlink()
    study_table.main(['--update', str(readme)])  # the table is current
    assert not png.exists()


def test_a_marker_without_a_csv_is_refused_with_the_file_named(tmp_path):
    readme = tmp_path / 'README.md'
    readme.write_text('<!-- study_table.py --split-seed 0 -->\n'
                      '<!-- end study_table.py -->\n')
    with pytest.raises(ValueError, match=f'{readme}: .* names no CSV'):
        study_table.main(['--check', str(readme)])


def test_the_committed_tables_match_the_committed_csvs(monkeypatch):
    monkeypatch.chdir(REPO)
    docs = [path for path in glob.glob('configs/**/*.md', recursive=True) +
            glob.glob('docs/**/*.md', recursive=True)
            if '<!-- study_table.py ' in open(path).read()]
    assert 'configs/ddep/README.md' in docs
    study_table.main(['--check', *docs])
