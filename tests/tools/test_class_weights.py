import os.path as osp

import numpy as np
import pytest
from mmengine import Config
from PIL import Image

from mmssl_seg.utils.class_weights import median_frequency_weights
from tests.conftest import REPO
from tools.analysis_tools import class_weights as tool


def test_median_frequency_weights_by_hand():
    # class pixels n = (4, 1, 2); pixels of the maps each class occurs in
    # T = (4 + 3, 4, 3); f = (4/7, 1/4, 2/3), median 4/7
    maps = [np.array([[0, 0], [0, 1]]), np.array([[2, 2], [255, 0]])]
    weights = median_frequency_weights(maps, num_classes=3)
    assert weights == pytest.approx([1., 16 / 7, 6 / 7])


def test_bad_labels_and_absent_classes_are_named():
    with pytest.raises(ValueError, match=r'map 1 .*\[7\]'):
        median_frequency_weights(
            [np.zeros((2, 2), int), np.full((2, 2), 7)], num_classes=3)
    with pytest.raises(ValueError, match=r'classes \[2\]'):
        median_frequency_weights([np.array([[0, 1]])], num_classes=3)


def test_camvid_config_weights_are_the_tool_output_on_the_train_labels(
        camvid_root, capsys):
    tool.main([
        osp.join(camvid_root, 'ann_dir', 'train'), '--num-classes', '11',
        '--ignore-index', '11'
    ])
    printed = capsys.readouterr().out.splitlines()[-1]
    computed = eval(printed.split('=', 1)[1])
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'camvid.py'))
    assert cfg.class_weight == computed
    # the rare classes (pole, sign, pedestrian, bicyclist) weigh most
    rarest = sorted(range(11), key=computed.__getitem__)[-4:]
    assert set(rarest) == {2, 6, 9, 10}


def test_tool_names_the_file_with_a_bad_label(tmp_path):
    for name, value in (('a.png', 1), ('b.png', 40)):
        Image.fromarray(np.full((2, 3), value, np.uint8)).save(
            tmp_path / name)
    with pytest.raises(ValueError, match=r"b\.png' holds .*\[40\]"):
        tool.main([str(tmp_path), '--num-classes', '3'])
