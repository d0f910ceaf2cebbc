"""Pseudo labels scored against human labels, by hand-counted pixels."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
import pseudo_label_quality  # noqa: E402

SCRIPT = osp.join(REPO, 'tools', 'analysis_tools', 'pseudo_label_quality.py')


def write_maps(root, name, pseudo, truth):
    Image.fromarray(np.array(pseudo, np.uint8)).save(
        root / 'pseudo' / 'labels' / f'{name}.png')
    Image.fromarray(np.array(truth, np.uint8)).save(
        root / 'gt' / f'{name}.png')


@pytest.fixture
def pseudo_dir(tmp_path):
    (tmp_path / 'pseudo' / 'labels').mkdir(parents=True)
    (tmp_path / 'gt').mkdir()
    summary = dict(thresholds={'Sky': 0.8, 'Road': 0.8, 'Pole': 0.8})
    (tmp_path / 'pseudo' / 'summary.json').write_text(json.dumps(summary))
    (tmp_path / 'pseudo' / 'files.txt').write_text('a\nb\n')
    # a: 2 Sky kept (1 right), 1 ignored Road, 1 Road kept on void (3)
    write_maps(tmp_path, 'a', [[0, 0], [255, 1]], [[0, 1], [1, 3]])
    # b: 1 Road kept right, 1 Pole kept on Road, 2 ignored (Pole, Sky)
    write_maps(tmp_path, 'b', [[1, 2], [255, 255]], [[1, 1], [2, 0]])
    return tmp_path


def test_precision_coverage_and_accuracy_by_hand(pseudo_dir):
    scores = pseudo_label_quality.quality(
        str(pseudo_dir / 'pseudo'), str(pseudo_dir / 'gt'))
    sky, road, pole = (scores['classes'][c] for c in ('Sky', 'Road', 'Pole'))
    # Sky: kept 2, right 1; labelled Sky: a(0,0), b(1,1) = 2
    assert (sky['kept'], sky['precision'], sky['coverage']) == (2, 0.5, 0.5)
    # Road: the pixel kept on void does not count; kept 1 (b), right 1;
    # labelled Road: a(0,1), a(1,0), b(0,0), b(0,1) = 4
    assert (road['kept'], road['precision'], road['coverage']) == (1, 1., .25)
    # Pole: kept 1, wrong; labelled Pole once
    assert (pole['kept'], pole['precision'], pole['coverage']) == (1, 0., 0.)
    assert scores['accuracy'] == pytest.approx(2 / 4)
    assert scores['num_images'] == 2


def test_class_never_kept_has_no_precision(pseudo_dir):
    write_maps(pseudo_dir, 'b', [[1, 1], [255, 255]], [[1, 1], [2, 0]])
    scores = pseudo_label_quality.quality(
        str(pseudo_dir / 'pseudo'), str(pseudo_dir / 'gt'))
    assert scores['classes']['Pole']['precision'] is None
    assert scores['classes']['Pole']['coverage'] == 0.


def test_missing_or_mismatched_label_map_is_named(pseudo_dir):
    (pseudo_dir / 'gt' / 'b.png').unlink()
    with pytest.raises(FileNotFoundError, match='b.png'):
        pseudo_label_quality.quality(
            str(pseudo_dir / 'pseudo'), str(pseudo_dir / 'gt'))
    write_maps(pseudo_dir, 'b', [[1, 2, 2]], [[1, 1], [2, 0]])
    with pytest.raises(ValueError, match=r'\(1, 3\)'):
        pseudo_label_quality.quality(
            str(pseudo_dir / 'pseudo'), str(pseudo_dir / 'gt'))


def test_command_line_prints_table_and_writes_json(pseudo_dir):
    out = pseudo_dir / 'quality.json'
    result = subprocess.run(
        [sys.executable, SCRIPT, str(pseudo_dir / 'pseudo'), '--gt-dir',
         str(pseudo_dir / 'gt'), '--out', str(out)],
        capture_output=True, text=True, check=True)
    assert '| Sky | 2 | 50.0 | 50.0 |' in result.stdout
    assert 'accuracy of the kept pixels: 50.0% over 2 images' in result.stdout
    assert json.loads(out.read_text())['classes']['Road']['coverage'] == .25
