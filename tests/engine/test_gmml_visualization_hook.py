import os.path as osp
from types import SimpleNamespace

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from mmpretrain.structures import DataSample

from mmssl_seg.engine.hooks.gmml_visualization_hook import (
    GMMLVisualizationHook, gmml_grid)
from mmssl_seg.registry import HOOKS, MODELS
from tests.conftest import REPO

CAMVID_CONFIG = osp.join(REPO, 'configs', 'gmml',
                         'gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def _tiny_gmml():
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='GMML',
            backbone=dict(
                type='mmpretrain.VisionTransformer',
                arch=dict(embed_dims=16, num_layers=1, num_heads=2,
                          feedforward_channels=32),
                img_size=16, patch_size=4, out_type='raw',
                drop_path_rate=0.5),
            head=dict(type='GMMLReconstructionHead', in_channels=16,
                      patch_size=4, hidden_channels=16),
            contrastive_head=None,
            corruption=dict(type='GMMLCorruption', types='noise',
                            patch_size=4, seed=0),
            data_preprocessor=dict(
                type='mmpretrain.SelfSupDataPreprocessor', mean=MEAN,
                std=STD, to_rgb=True)))
    model.init_weights()
    return model


def test_grid_layout_and_hand_values():
    original = torch.zeros(2, 3, 4, 5)
    corrupted = torch.full((2, 3, 4, 5), -1.)
    reconstructed = torch.full((2, 3, 4, 5), 0.5)
    mean = torch.tensor([10., 20., 30.]).view(3, 1, 1)
    std = torch.tensor([2., 2., 2.]).view(3, 1, 1)
    grid = gmml_grid(original, corrupted, reconstructed, mean, std)
    # 2 rows x 3 panels of 4x5, a 2-pixel white border around every panel
    assert grid.shape == (2 + 2 * 6, 2 + 3 * 7, 3) and grid.dtype == np.uint8
    assert (grid[2:6, 2:7] == [10, 20, 30]).all()  # x * std + mean
    assert (grid[8:12, 9:14] == [8, 18, 28]).all()  # corrupted, 2nd row
    assert (grid[2:6, 16:21] == [11, 21, 31]).all()  # reconstructed
    for y in (0, 1, 6, 7, 12, 13):
        assert (grid[y] == 255).all(), y
    for x in (0, 1, 7, 8, 14, 15, 21, 22):
        assert (grid[:, x] == 255).all(), x
    # clipped to 0..255; one channel is shown as grey
    big = gmml_grid(original, corrupted, torch.full_like(original, 500.))
    assert (big[2, 16] == 255).all() and (big[2, 9] == 0).all()
    grey = gmml_grid(*(torch.full((1, 1, 4, 5), v) for v in (7., 0, 0)))
    assert grey.shape == (8, 23, 3) and (grey[2:6, 2:7] == 7).all()


def test_hook_draws_the_first_view_every_interval(tmp_path):
    model = _tiny_gmml()
    model.train()
    hook = HOOKS.build(
        dict(type='GMMLVisualizationHook', interval=2, max_images=3))
    runner = SimpleNamespace(
        model=model,
        iter=0,
        visualizer=Visualizer(
            name='test_gmml_hook',
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path)))
    g = torch.Generator().manual_seed(0)
    views = [torch.randint(0, 256, (4, 3, 16, 16), generator=g,
                           dtype=torch.uint8) for _ in range(2)]
    batch = dict(inputs=views, data_samples=[DataSample()] * 4)
    calls = []
    reconstruct = model.reconstruct
    model.reconstruct = lambda x: calls.append(model.training) or \
        reconstruct(x)
    for it in range(4):
        runner.iter = it
        hook.after_train_iter(runner, it, data_batch=batch)
    assert calls == [False, False]  # drop path off while drawing
    assert model.training
    image_dir = tmp_path / 'vis_data' / 'vis_image'
    assert sorted(p.name for p in image_dir.iterdir()) == \
        ['gmml_2.png', 'gmml_4.png']
    grid = mmcv.imread(str(image_dir / 'gmml_2.png'))
    assert grid.shape == (2 + 3 * 18, 2 + 3 * 18, 3)
    # the first panel is the first view (RGB; mmcv reads the PNG as BGR)
    for i in range(3):
        rgb = views[0][i, [2, 1, 0]].permute(1, 2, 0).numpy().astype(int)
        panel = grid[2 + 18 * i:18 + 18 * i, 2:18, ::-1].astype(int)
        assert np.abs(panel - rgb).max() <= 1, i
    # noise corrupts part of each image, not all of it
    changed = (grid[2:18, 2:18] != grid[2:18, 20:36]).any(-1).mean()
    assert 0.2 < changed < 0.8


def test_bad_arguments():
    with pytest.raises(ValueError, match='got 1 and 0'):
        GMMLVisualizationHook(interval=1, max_images=0)


def test_camvid_config_trains_a_step_and_draws(fake_camvid, tmp_path):
    cfg = Config.fromfile(CAMVID_CONFIG)
    assert cfg.custom_hooks == [dict(type='GMMLVisualizationHook',
                                     interval=100)]
    cfg.custom_hooks[0].interval = 1
    cfg.work_dir = str(tmp_path)
    # a visualizer of another test's runner must not be reused (mmengine
    # keeps one instance per name, with its save_dir)
    cfg.visualizer.name = f'gmml_vis_{tmp_path.name}'
    cfg.train_cfg.max_iters = 1
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = fake_camvid
    runner = Runner.from_cfg(cfg)
    runner.train()
    grid = mmcv.imread(osp.join(runner.log_dir, 'vis_data', 'vis_image',
                                'gmml_1.png'))
    # 4 images asked, 2 in the batch: 2 rows of three 96x96 views
    assert grid.shape == (2 + 2 * 98, 2 + 3 * 98, 3)
