import csv
import json
import os.path as osp
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

from mmssl_seg.utils import study_results
from tests.conftest import REPO
from tests.tools.conftest import BASELINE, tiny_run_options
from tests.tools.test_chains import CRASH_HOOK

sys.path.insert(0, osp.join(REPO, 'tools'))
import label_efficiency  # noqa: E402


def test_summary_is_mean_and_sample_std_over_seeds(tmp_path):
    results = [
        dict(config='a', role='method', fraction='0.1', seed=0, miou=40.0),
        dict(config='a', role='method', fraction='0.1', seed=1, miou=44.0),
        dict(config='a', role='method', fraction='1/8', seed=0, miou=50.0),
    ]
    rows = study_results.summarise(results, ['miou'])
    assert rows[0] == dict(config='a', role='method', fraction='0.1', runs=2,
                           miou=42.0, miou_std=pytest.approx(2 ** 0.5 * 2))
    assert rows[1]['miou_std'] == 0.0 and rows[1]['runs'] == 1
    table = study_results.markdown_table(rows, ['miou'])
    assert '| a | method | 0.1 | 2 | 42.00 +- 2.83 |' in table
    assert osp.isfile(study_results.plot(rows, str(tmp_path / 'p.png')))


def test_paired_difference_to_the_baseline_and_per_run_csv(tmp_path, tool):
    base = [40., 41., 39.]
    method = [42., 44., 40.]  # paired differences 2, 3, 1: p = 0.074
    strong = [46., 47., 45.5]  # 6, 6, 6.5: t = 37, p = 0.0007
    results = []
    for name, role, values in (('base', 'baseline', base),
                               ('m', 'method', method),
                               ('s', 'ablation', strong)):
        results += [dict(config=name, role=role, fraction='0.1', seed=seed,
                         miou=v) for seed, v in enumerate(values)]
    rows = study_results.summarise(results, ['miou'])
    assert 'diff' not in rows[0]
    assert rows[1]['diff'].mean == 2.0
    assert rows[1]['diff'].p == pytest.approx(0.0741799, abs=1e-6)
    table = study_results.markdown_table(rows, ['miou'])
    lines = table.splitlines()
    assert lines[0] == ('| config | role | label fraction | runs | mIoU | '
                        'mIoU - baseline (paired) | p (paired t-test) |')
    assert lines[3] == ('| m | method | 0.1 | 3 | 42.00 +- 2.00 | '
                        '+2.00 +- 1.00 | 0.074 |')
    assert lines[4].endswith('| +6.17 +- 0.29 * | 0.001 |')
    assert 'each seed is one labelled split' in table
    fixed = study_results.markdown_table(rows, ['miou'], split_seed=0)
    assert 'one labelled split, that of seed 0' in fixed
    path = study_results.write_results(results, str(tmp_path / 'r.csv'))
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ['config', 'role', 'fraction', 'seed', 'miou']
    assert len(rows) == 9
    assert rows[4] == dict(config='m', role='method', fraction='0.1',
                           seed='1', miou='44.0')
    # the README table is regenerated from the CSV alone
    assert study_results.read_results(path) == results
    out = tool(['python', 'tools/analysis_tools/study_table.py', path])
    assert out.returncode == 0, out.stderr
    assert out.stdout == table


def test_metrics_are_written_without_float32_noise(tmp_path):
    value = float(np.float32(56.23))  # as mmseg's val metric arrives
    assert value != 56.23
    rows = [dict(config='c', role='baseline', fraction='0.1', seed=0,
                 miou=value, miou_tta=value, recipe='ab12')]
    path = study_results.write_results(rows, str(tmp_path / 'r.csv'))
    with open(path) as f:
        assert f.read().splitlines()[1] == 'c,baseline,0.1,0,56.23,56.23,ab12'


def test_a_difference_is_weighed_against_the_study_seed_spread():
    study = [dict(config='base', role='baseline', fraction='0.1', seed=s,
                  miou=v) for s, v in enumerate((40., 42., 44.))]  # std 2
    # m's paired differences in the study: 1, 2, 6: std 2.65 > 2
    study += [dict(config='m', role='method', fraction='0.1', seed=s,
                   miou=v) for s, v in enumerate((41., 44., 50.))]
    runs = [dict(config='base', role='baseline', fraction=f, seed=0,
                 miou=40.) for f in ('0.1', '1.0')] + [
        dict(config='m', role='method', fraction='0.1', seed=0, miou=42.5),
        dict(config='w', role='method', fraction='0.1', seed=0, miou=42.5),
        dict(config='v', role='method', fraction='0.1', seed=0, miou=37.),
        dict(config='m', role='method', fraction='1.0', seed=0, miou=45.)]
    lines = study_results.spread_verdicts(
        study_results.summarise(runs, ['miou']), study, 'study.csv')
    assert lines == [
        'm at 0.1 of the labels: +2.50 mIoU against the baseline; seed '
        'spread measured in study.csv: 2.00 (std of the baseline over 3 '
        'seeds) and 2.65 (std of its paired difference over 3 seeds): the '
        'difference is not larger than the seed spread',
        'w at 0.1 of the labels: +2.50 mIoU against the baseline; seed '
        'spread measured in study.csv: 2.00 (std of the baseline over 3 '
        'seeds): the difference is larger than the seed spread: w is ahead '
        'of the baseline',
        'v at 0.1 of the labels: -3.00 mIoU against the baseline; seed '
        'spread measured in study.csv: 2.00 (std of the baseline over 3 '
        'seeds): the difference is larger than the seed spread: v is behind '
        'the baseline',
        'm at 1.0 of the labels: +5.00 mIoU against the baseline; study.csv '
        'has fewer than 2 baseline seeds at this fraction, so no seed spread '
        'to compare']


def test_study_csv_merges_runs_and_names_bad_rows(tmp_path):
    old = [dict(config='a', role='method', fraction='0.1', seed=s, miou=40.)
           for s in (0, 1)]
    new = [dict(config='a', role='method', fraction='0.1', seed=1, miou=41.),
           dict(config='a', role='method', fraction='1.0', seed=0, miou=50.)]
    merged = study_results.merge_results(old, new)
    assert [(r['fraction'], r['seed'], r['miou']) for r in merged] == [
        ('0.1', 0, 40.), ('0.1', 1, 41.), ('1.0', 0, 50.)]
    bad = tmp_path / 'bad.csv'
    bad.write_text('config,role,fraction,seed,miou\n'
                   'a,method,0.1,0,40.0\na,winner,0.1,1,41.0\n')
    with pytest.raises(ValueError, match=r"bad.csv, line 3: role 'winner'"):
        study_results.read_results(str(bad))
    bad.write_text('config,fraction,seed,miou\na,0.1,0,40.0\n')
    with pytest.raises(ValueError, match=r"lacks the columns \['role'\]"):
        study_results.read_results(str(bad))


def test_a_run_is_taken_from_a_study_only_with_the_same_recipe(tmp_path):
    rows = [dict(config='a', role='baseline', fraction='0.1', seed=0,
                 miou=40., recipe='r1'),
            dict(config='a', role='method', fraction='0.1', seed=1,
                 miou=41.)]
    path = study_results.write_results(rows, str(tmp_path / 's.csv'))
    with open(path) as f:
        assert f.readline() == 'config,role,fraction,seed,miou,recipe\n'
    study = study_results.read_results(path)
    assert study == rows
    find = study_results.measured_run
    assert find([study], 'a', '0.1', 0, 'r1') == rows[0]
    assert find([study], 'a', '0.1', 0, 'r2') is None  # another recipe
    assert find([study], 'a', '0.1', 1, None) is None  # none recorded
    assert find([study], 'a', '0.05', 0, 'r1') is None
    assert find([study], 'a', '0.1', 0, 'r1', ('miou', 'miou_tta')) is None
    assert find([[], study], 'a', '0.1', 0, 'r1') == rows[0]


def test_config_without_label_fraction_dataset_is_refused(tmp_path):
    cfg = tmp_path / 'plain.py'
    cfg.write_text(f"_base_ = ['{BASELINE}']\n"
                   "train_dataloader = dict(dataset=dict(_delete_=True, "
                   "type='CamVidDataset'))\n")
    work = tmp_path / 'le'
    with pytest.raises(ValueError, match='LabelFractionDataset'):
        label_efficiency.main([str(cfg), '--work-dir', str(work)])
    assert not work.exists()


def test_arguments_are_checked_before_anything_trains(tmp_path, tool):
    work = tmp_path / 'le'
    run = tool(['python', 'tools/label_efficiency.py', BASELINE,
                '--fractions', '0.1', '1.5', '--work-dir', str(work)])
    assert run.returncode != 0
    assert "label fraction must be in (0, 1], got '1.5'" in run.stderr
    assert not work.exists()
    run = tool(['python', 'tools/label_efficiency.py', BASELINE,
                'configs/nope.py', '--work-dir', str(work)])
    assert run.returncode != 0 and 'configs/nope.py' in run.stderr
    assert not work.exists()
    run = tool(['python', 'tools/label_efficiency.py', BASELINE,
                '--reuse', 'docs/results/nope.csv', '--work-dir', str(work)])
    assert run.returncode != 0
    assert 'no study CSV at docs/results/nope.csv' in run.stderr
    assert not work.exists()
    run = tool(['python', 'tools/label_efficiency.py', BASELINE,
                '--iters-by-fraction', '1.0=0', '--work-dir', str(work)])
    assert run.returncode != 0
    assert '--iters-by-fraction 1.0=0' in run.stderr
    assert not work.exists()


def test_an_interrupted_run_is_not_counted_as_finished(
        camvid_root, tmp_path, tool):
    (tmp_path / 'crash_hook.py').write_text(CRASH_HOOK)
    work = tmp_path / 'le'
    options = tiny_run_options(camvid_root, max_iters=4) + [
        'default_hooks.checkpoint.interval=1',
        "custom_imports.imports=['crash_hook']"]
    name = osp.splitext(osp.basename(BASELINE))[0]
    cmd = ['python', 'tools/label_efficiency.py', BASELINE, '--fractions',
           '0.02', '--seeds', '0', '--work-dir', str(work), '--cfg-options',
           *options]
    env = {'PYTHONPATH': str(tmp_path), 'CRASH_IN': name}
    assert tool(cmd, env=env).returncode != 0
    [run_dir] = (work / name).iterdir()
    assert (run_dir / 'iter_1.pth').exists()
    assert not (run_dir / 'done.json').exists()
    assert not (run_dir / 'metrics.json').exists()
    env['CRASH_IN'] = ''
    again = tool(cmd, env=env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert 'resuming the interrupted run' in again.stdout
    with open(run_dir / 'done.json') as f:
        assert json.load(f)['checkpoint'].endswith('iter_4.pth')
    assert 'iter_4.pth' in (run_dir / 'run.log').read_text().split(
        'tools/test.py')[-1]


def test_end_to_end_on_real_camvid(camvid_root, tmp_path, tool):
    work = tmp_path / 'le'
    options = [o for o in tiny_run_options(camvid_root, max_iters=2)
               if not o.startswith('train_dataloader.dataset.fraction')]
    study = tmp_path / 'docs' / 'study.csv'
    study.parent.mkdir()
    study.write_text('config,role,fraction,seed,miou\n'
                     'other,method,0.1,0,1.0\n')
    run = tool(['python', 'tools/label_efficiency.py', BASELINE,
                '--fractions', '1/30', '0.05', '--seeds', '0', '1',
                '--work-dir', str(work), '--csv', str(study),
                '--cfg-options', *options])
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-3000:]
    name = osp.splitext(osp.basename(BASELINE))[0]
    measured = {}
    for tag in ('frac1over30', 'frac0.05'):
        for seed in (0, 1):
            [run_dir] = (work / name).glob(f'{tag}_seed{seed}-*')
            with open(run_dir / 'metrics.json') as f:
                measured[tag, seed] = json.load(f)['mIoU']
            with open(run_dir / 'labelled_split.txt') as f:
                assert len(f.read().split()) == (12 if tag == 'frac1over30'
                                                 else 18)
    with open(work / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['fraction'], r['seed']) for r in rows] == [
        ('1/30', '0'), ('1/30', '1'), ('0.05', '0'), ('0.05', '1')]
    for row in rows:
        tag = 'frac1over30' if row['fraction'] == '1/30' else 'frac0.05'
        assert float(row['miou']) == round(measured[tag, int(row['seed'])], 4)
    # the study CSV keeps its other runs and gains these, after every run
    with open(study) as f:
        assert list(csv.DictReader(f)) == [dict(
            config='other', role='method', fraction='0.1', seed='0',
            miou='1.0', recipe='')] + rows
    assert all(len(r['recipe']) == 12 for r in rows)
    assert run.stdout.count(f'per-run results: {work}') == 4
    mean = (measured['frac0.05', 0] + measured['frac0.05', 1]) / 2
    assert f'| 0.05 | 2 | {mean:.2f} +- ' in (work / 'results.md').read_text()
    assert (work / 'miou_vs_fraction.png').stat().st_size > 1000
    # a second call finds every run finished and only rewrites the tables
    again = tool(['python', 'tools/label_efficiency.py', BASELINE,
                  '--fractions', '1/30', '0.05', '--seeds', '0', '1',
                  '--work-dir', str(work), '--cfg-options', *options])
    assert again.returncode == 0 and '$ ' not in again.stdout
    # on another machine (a new work dir), the study CSV's rows of the same
    # recipe are taken; a fine-tuning option makes a new recipe, which trains
    elsewhere = ['python', 'tools/label_efficiency.py', BASELINE,
                 '--fractions', '0.05', '--seeds', '1',
                 '--work-dir', str(tmp_path / 'new'), '--cfg-options',
                 *options]
    taken = tool(elsewhere + ['--reuse', str(study)])
    assert taken.returncode == 0, taken.stderr[-3000:]
    assert '$ ' not in taken.stdout
    assert 'measured before with the same recipe' in taken.stdout
    with open(tmp_path / 'new' / 'results.csv') as f:
        assert list(csv.DictReader(f)) == [rows[3]]
    tuned = tool(elsewhere + ['--reuse', str(study), '--finetune-options',
                              'optim_wrapper.optimizer.lr=0.0'])
    assert tuned.returncode == 0, tuned.stderr[-3000:]
    assert 'tools/train.py' in tuned.stdout
    with open(tmp_path / 'new' / 'results.csv') as f:
        [row] = list(csv.DictReader(f))
    assert row['config'] == name + ' optim_wrapper.optimizer.lr=0.0'
    assert row['recipe'] not in (rows[3]['recipe'], '')


with open(osp.join(REPO, 'Makefile')) as _makefile:
    STUDY_TARGETS = re.findall(r'^((?:study|demo)[\w-]*):', _makefile.read(),
                               flags=re.MULTILINE)


@pytest.mark.parametrize('target', STUDY_TARGETS)
def test_make_study_targets_name_existing_configs(target):
    """Each study target's commands parse, name configs that exist and keep
    their per-run results under docs/results/ (a renamed config breaks
    this test, not a study two hours in)."""
    run = subprocess.run(['make', '-n', '-C', REPO, target, 'PY=python'],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    commands = [shlex.split(line.replace('\\\n', ' '))
                for line in run.stdout.replace('\\\n', ' ').splitlines()
                if 'tools/label_efficiency.py' in line]
    assert commands, run.stdout
    for cmd in commands:
        args = label_efficiency.parse_args(
            cmd[cmd.index('tools/label_efficiency.py') + 1:])
        configs = args.configs + args.ablations + [args.baseline or '']
        for config in filter(None, configs):
            assert osp.isfile(osp.join(REPO, config)), config
        if target.startswith('study-'):
            assert args.csv.startswith('docs/results/'), args.csv
