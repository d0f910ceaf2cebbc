"""tools/visualize_denoising.py on real CamVid images."""
import os.path as osp

import mmcv
import torch
from mmengine.config import Config

from mmssl_seg.registry import MODELS
from tests.conftest import REPO

DDEP = osp.join(REPO, 'configs', 'ddep',
                'ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py')
SUPERVISED = osp.join(
    REPO, 'configs', 'supervised',
    'supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py')


def _checkpoint(config, path):
    model = MODELS.build(Config.fromfile(config).model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


def _visualize(tool, camvid_root, ckpt, out):
    return tool([
        'python', 'tools/visualize_denoising.py', DDEP, ckpt, '--num-images',
        '2', '--out', out, '--cfg-options',
        f'train_dataloader.dataset.data_root={camvid_root}'
    ])


def test_grid_has_a_row_of_four_crops_per_image(camvid_root, tmp_path, tool):
    out = str(tmp_path / 'vis.png')
    run = _visualize(tool, camvid_root,
                     _checkpoint(DDEP, tmp_path / 'ddep.pth'), out)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f'saved 2 rows to {out}' in run.stdout
    grid = mmcv.imread(out)
    # 128x128 crops, 2 white pixels around every panel
    assert grid.shape == (2 + 2 * 130, 2 + 4 * 130, 3)
    assert (grid[:2] == 255).all() and (grid[:, 130:132] == 255).all()
    assert grid[2:130, 2:130].std() > 10  # the clean crop is an image


def test_checkpoint_of_another_model_is_refused(camvid_root, tmp_path, tool):
    # a fine-tuning checkpoint lacks the pretext head's weights
    ckpt = _checkpoint(SUPERVISED, tmp_path / 'supervised.pth')
    run = _visualize(tool, camvid_root, ckpt, str(tmp_path / 'vis.png'))
    assert run.returncode != 0
    assert 'missing keys in source state_dict: head.' in run.stderr
    assert not osp.exists(tmp_path / 'vis.png')
