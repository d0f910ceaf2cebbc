import os
import os.path as osp
import subprocess
import sys

import pytest

from tests.conftest import REPO

BASELINE = osp.join(
    REPO, 'configs', 'supervised',
    'supervised_effnetlite0-segformerhead_1xb8-400i_camvid-176x240.py')


def tiny_run_options(camvid_root, max_iters=4):
    """cfg-options for a few CPU iterations on real CamVid images."""
    return [
        f'train_dataloader.dataset.dataset.data_root={camvid_root}',
        f'val_dataloader.dataset.data_root={camvid_root}',
        f'test_dataloader.dataset.data_root={camvid_root}',
        'train_dataloader.dataset.fraction=0.02',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.dataset.indices=3',
        'val_dataloader.dataset.indices=3',
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}',
        'default_hooks.logger.interval=1',
        'model.decode_head.dropout_ratio=0.0',
    ]


def run_tool(args, env=None, timeout=600):
    """Run a python tool from the repo root; return the finished process."""
    cmd = args if args[0] != 'python' else [sys.executable, *args[1:]]
    full_env = dict(os.environ, PYTHONWARNINGS='ignore', **(env or {}))
    return subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def tool():
    return run_tool
