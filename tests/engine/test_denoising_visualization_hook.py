import os.path as osp
from types import SimpleNamespace

import mmcv
import numpy as np
import pytest
import torch
from mmengine.runner import Runner, load_checkpoint
from mmengine.visualization import Visualizer
from mmseg.structures import SegDataSample
from torch import nn
from torch.utils.data import Dataset

from mmssl_seg.engine.hooks.denoising_visualization_hook import (
    DenoisingVisualizationHook, denoising_grid)
from mmssl_seg.registry import HOOKS, MODELS
from tests.tiny_denoising import (BACKBONE, HEAD, PREPROCESSOR,
                                  tiny_pretrainer)


class RandomImages(Dataset):
    """Unlabelled uint8 images in the format PackSegInputs produces."""

    def __init__(self, n=4, size=32):
        g = torch.Generator().manual_seed(0)
        self.images = torch.randint(
            0, 256, (n, 3, size, size), generator=g, dtype=torch.uint8)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return dict(inputs=self.images[i], data_samples=SegDataSample())


def _bn_stats(module):
    return [
        m.running_mean.clone() for m in module.modules()
        if isinstance(m, nn.BatchNorm2d)
    ]


def test_grid_layout_and_hand_values():
    clean = torch.zeros(2, 3, 4, 5)
    noisy = torch.full((2, 3, 4, 5), -1.)
    pred_noise = torch.full((2, 3, 4, 5), 2.)
    denoised = torch.full((2, 3, 4, 5), 0.5)
    mean = torch.tensor([10., 20., 30.]).view(3, 1, 1)
    std = torch.tensor([2., 2., 2.]).view(3, 1, 1)
    grid = denoising_grid(clean, noisy, pred_noise, denoised, mean, std)
    # 2 rows x 4 panels of 4x5, a 2-pixel white border around every panel
    assert grid.shape == (2 + 2 * (4 + 2), 2 + 4 * (5 + 2), 3)
    assert grid.dtype == np.uint8
    # panel (row r, column c) starts at (2 + 6 r, 2 + 7 c)
    assert (grid[2:6, 2:7] == [10, 20, 30]).all()  # clean: x * std + mean
    assert (grid[8:12, 9:14] == [8, 18, 28]).all()  # noisy, second row
    assert (grid[2:6, 16:21] == 213).all()  # noise: 128 + 42.5 * 2
    assert (grid[8:12, 23:28] == [11, 21, 31]).all()  # denoised
    for y in (0, 1, 6, 7, 12, 13):
        assert (grid[y] == 255).all(), y
    for x in (0, 1, 7, 8, 14, 15, 21, 22, 28, 29):
        assert (grid[:, x] == 255).all(), x
    # values are clipped to 0..255; one channel is shown as grey
    big = denoising_grid(clean, noisy, torch.full_like(clean, 10.), denoised)
    assert (big[2, 16] == 255).all() and (big[2, 9] == 0).all()
    grey = denoising_grid(
        *(torch.full((1, 1, 4, 5), v) for v in (7., 0, 0, 0)))
    assert grey.shape == (8, 30, 3) and (grey[2:6, 2:7] == 7).all()


def test_hook_adds_grids_to_the_visualizer_every_interval(tmp_path):
    model = tiny_pretrainer(frozen_slots=())  # DeP: BN stats could move
    model.init_weights()
    model.train()
    hook = HOOKS.build(
        dict(type='DenoisingVisualizationHook', interval=2, max_images=3))
    runner = SimpleNamespace(
        model=model,
        iter=0,
        visualizer=Visualizer(
            name='test_denoising_hook',
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path)))
    data = RandomImages(n=4)
    batch = dict(
        inputs=[data[i]['inputs'] for i in range(4)],
        data_samples=[data[i]['data_samples'] for i in range(4)])
    stats = _bn_stats(model)
    for it in range(4):
        runner.iter = it
        hook.after_train_iter(runner, it, data_batch=batch)
    image_dir = tmp_path / 'vis_data' / 'vis_image'
    assert sorted(p.name for p in image_dir.iterdir()) == \
        ['denoising_2.png', 'denoising_4.png']
    grid = mmcv.imread(str(image_dir / 'denoising_2.png'))
    assert grid.shape == (2 + 3 * 34, 2 + 4 * 34, 3)
    # the first panel is the clean image (RGB after bgr_to_rgb); the backend
    # writes the RGB grid so that the PNG shows RGB: mmcv reads it as BGR
    clean_rgb = data[0]['inputs'][[2, 1, 0]].permute(1, 2, 0).numpy()
    assert np.abs(grid[2:34, 2:34, ::-1].astype(int) -
                  clean_rgb.astype(int)).max() <= 1
    assert model.training and model.backbone.training
    for before, after in zip(stats, _bn_stats(model)):
        assert torch.equal(before, after)


def test_bad_arguments():
    with pytest.raises(ValueError, match='got 0 and 4'):
        DenoisingVisualizationHook(interval=0)


def test_runner_trains_ddep_with_hook_and_checkpoint_loads(tmp_path):
    model = tiny_pretrainer()
    stats = _bn_stats(model.backbone)
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=RandomImages(),
            sampler=dict(type='InfiniteSampler', shuffle=True),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2,
            num_workers=0),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=2),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='DenoisingVisualizationHook', interval=2)],
        default_scope='mmssl_seg')
    runner.train()
    # the frozen encoder stayed in eval mode through runner.train()
    assert not model.backbone.training and model.decode_head.training
    for before, after in zip(stats, _bn_stats(model.backbone)):
        assert torch.equal(before, after)
    assert osp.isfile(
        osp.join(runner.log_dir, 'vis_data', 'vis_image',
                 'denoising_2.png'))
    assert runner.message_hub.get_scalar('train/loss_denoise').current() > 0

    # the runner's checkpoint (with its message hub) loads into a
    # fine-tuning EncoderDecoder, as `load_from` does
    finetune = MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=PREPROCESSOR,
            backbone=BACKBONE,
            decode_head=dict(HEAD, num_classes=11)))
    load_checkpoint(
        finetune, osp.join(runner.work_dir, 'iter_2.pth'), strict=False)
    for k, v in model.decode_head.state_dict().items():
        assert torch.equal(finetune.decode_head.state_dict()[k], v), k
