import csv
import json
import os.path as osp
import sys

import pytest

from tests.conftest import REPO
from tests.tools.conftest import BASELINE, tiny_run_options

sys.path.insert(0, osp.join(REPO, 'tools'))
import label_efficiency  # noqa: E402


def test_summary_is_mean_and_sample_std_over_seeds(tmp_path):
    results = [
        dict(config='a', fraction='0.1', seed=0, miou=40.0),
        dict(config='a', fraction='0.1', seed=1, miou=44.0),
        dict(config='a', fraction='1/8', seed=0, miou=50.0),
    ]
    rows = label_efficiency.summarise(results, ['miou'])
    assert rows[0] == dict(config='a', fraction='0.1', runs=2, miou=42.0,
                           miou_std=pytest.approx(2 ** 0.5 * 2))
    assert rows[1]['miou_std'] == 0.0 and rows[1]['runs'] == 1
    table = label_efficiency.write_tables(rows, ['miou'], str(tmp_path))
    assert '| a | 0.1 | 2 | 42.00 +- 2.83 |' in table
    assert osp.isfile(label_efficiency.plot(rows, str(tmp_path)))


def test_config_without_label_fraction_dataset_is_refused(tmp_path):
    cfg = tmp_path / 'plain.py'
    cfg.write_text(f"_base_ = ['{BASELINE}']\n"
                   "train_dataloader = dict(dataset=dict(_delete_=True, "
                   "type='CamVidDataset'))\n")
    with pytest.raises(ValueError, match='LabelFractionDataset'):
        label_efficiency.check_config(str(cfg))


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
            run_dir = work / name / f'{tag}_seed{seed}'
            with open(run_dir / 'metrics.json') as f:
                measured[tag, seed] = json.load(f)['mIoU']
            with open(run_dir / 'labelled_split.txt') as f:
                assert len(f.read().split()) == (12 if tag == 'frac1over30'
                                                 else 18)
    with open(work / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['fraction'] for r in rows] == ['1/30', '0.05']
    mean = (measured['frac0.05', 0] + measured['frac0.05', 1]) / 2
    assert float(rows[1]['miou']) == pytest.approx(mean)
    assert (work / 'miou_vs_fraction.png').stat().st_size > 1000
    # a second call finds every run finished and only rewrites the tables
    again = tool(['python', 'tools/label_efficiency.py', BASELINE,
                  '--fractions', '1/30', '0.05', '--seeds', '0', '1',
                  '--work-dir', str(work), '--cfg-options', *options])
    assert again.returncode == 0 and '$ ' not in again.stdout
