import csv
import json
import os.path as osp
import sys

import pytest

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
    rows = label_efficiency.summarise(results, ['miou'])
    assert rows[0] == dict(config='a', role='method', fraction='0.1', runs=2,
                           miou=42.0, miou_std=pytest.approx(2 ** 0.5 * 2))
    assert rows[1]['miou_std'] == 0.0 and rows[1]['runs'] == 1
    table = label_efficiency.write_table(rows, ['miou'], str(tmp_path))
    assert '| a | method | 0.1 | 2 | 42.00 +- 2.83 |' in table
    assert osp.isfile(label_efficiency.plot(rows, str(tmp_path)))


def test_paired_difference_to_the_baseline_and_per_run_csv(tmp_path):
    base = [40., 41., 39.]
    method = [42., 44., 40.]  # paired differences 2, 3, 1: p = 0.074
    strong = [46., 47., 45.5]  # 6, 6, 6.5: t = 37, p = 0.0007
    results = []
    for name, role, values in (('base', 'baseline', base),
                               ('m', 'method', method),
                               ('s', 'ablation', strong)):
        results += [dict(config=name, role=role, fraction='0.1', seed=seed,
                         miou=v) for seed, v in enumerate(values)]
    rows = label_efficiency.summarise(results, ['miou'])
    assert 'diff' not in rows[0]
    assert rows[1]['diff'].mean == 2.0
    assert rows[1]['diff'].p == pytest.approx(0.0741799, abs=1e-6)
    table = label_efficiency.write_table(rows, ['miou'], str(tmp_path))
    lines = table.splitlines()
    assert lines[0] == ('| config | role | label fraction | runs | mIoU | '
                        'mIoU - baseline (paired) | p (paired t-test) |')
    assert lines[3] == ('| m | method | 0.1 | 3 | 42.00 +- 2.00 | '
                        '+2.00 +- 1.00 | 0.074 |')
    assert lines[4].endswith('| +6.17 +- 0.29 * | 0.001 |')
    path = label_efficiency.write_results(results, ['miou'], str(tmp_path))
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ['config', 'role', 'fraction', 'seed', 'miou']
    assert len(rows) == 9
    assert rows[4] == dict(config='m', role='method', fraction='0.1',
                           seed='1', miou='44.0')


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
    run = tool(['python', 'tools/label_efficiency.py', BASELINE,
                '--fractions', '1/30', '0.05', '--seeds', '0', '1',
                '--work-dir', str(work), '--cfg-options', *options])
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
        assert float(row['miou']) == measured[tag, int(row['seed'])]
    mean = (measured['frac0.05', 0] + measured['frac0.05', 1]) / 2
    assert f'| 0.05 | 2 | {mean:.2f} +- ' in (work / 'results.md').read_text()
    assert (work / 'miou_vs_fraction.png').stat().st_size > 1000
    # a second call finds every run finished and only rewrites the tables
    again = tool(['python', 'tools/label_efficiency.py', BASELINE,
                  '--fractions', '1/30', '0.05', '--seeds', '0', '1',
                  '--work-dir', str(work), '--cfg-options', *options])
    assert again.returncode == 0 and '$ ' not in again.stdout
