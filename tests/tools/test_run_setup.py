"""What runs before training: config loading, `make data`, the dist scripts."""
import argparse
import os
import os.path as osp
import shutil
import subprocess

import pytest

from mmssl_seg.utils import add_run_arguments, load_run_config
from mmssl_seg.utils import run_config
from tests.conftest import REPO
from tests.tools.conftest import BASELINE


def tool_args(config, *cfg_options):
    """Parse the arguments as tools/train.py and tools/test.py do."""
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_run_arguments(parser)
    argv = [config] + (['--cfg-options', *cfg_options] if cfg_options else [])
    return parser.parse_args(argv)


def dataset_roots(cfg):
    return (cfg.train_dataloader.dataset.dataset.data_root,
            cfg.val_dataloader.dataset.data_root,
            cfg.test_dataloader.dataset.data_root)


# ------------------------------------------------- --cfg-options data_root=
def test_cfg_option_data_root_moves_every_dataset(monkeypatch):
    logged = []
    monkeypatch.setattr(run_config, 'print_log',
                        lambda msg, **kwargs: logged.append(msg),
                        raising=False)
    cfg = load_run_config(tool_args(BASELINE, 'data_root=/some/where'))
    assert cfg.data_root == '/some/where'
    assert dataset_roots(cfg) == ('/some/where',) * 3
    assert len(logged) == 1 and "'data/camvid' -> '/some/where'" in logged[0]
    assert 'train_dataloader.dataset.dataset.data_root' in logged[0]


def test_explicit_dataset_data_root_wins_over_the_top_level_one():
    cfg = load_run_config(tool_args(
        BASELINE, 'data_root=/some/where',
        'val_dataloader.dataset.data_root=/val/only'))
    assert cfg.train_dataloader.dataset.dataset.data_root == '/some/where'
    assert cfg.val_dataloader.dataset.data_root == '/val/only'


def test_other_data_roots_are_kept(tmp_path):
    config = tmp_path / 'two_roots.py'
    config.write_text(
        f"_base_ = ['{BASELINE}']\n"
        "val_dataloader = dict(dataset=dict(data_root='data/other'))\n")
    cfg = load_run_config(tool_args(str(config), 'data_root=/some/where'))
    assert cfg.train_dataloader.dataset.dataset.data_root == '/some/where'
    assert cfg.val_dataloader.dataset.data_root == 'data/other'


def test_data_root_option_without_a_top_level_data_root_is_an_error(
        tmp_path):
    config = tmp_path / 'no_root.py'
    config.write_text(
        "train_dataloader = dict(dataset=dict(data_root='data/x'))\n")
    with pytest.raises(KeyError, match=r'no_root\.py.*top-level data_root'):
        load_run_config(tool_args(str(config), 'data_root=/some/where'))


def test_without_the_option_data_roots_are_unchanged():
    cfg = load_run_config(tool_args(BASELINE))
    assert dataset_roots(cfg) == ('data/camvid',) * 3


# ---------------------------------------------------------------- make data
def make_data(tmp_path, shared):
    shutil.copy(osp.join(REPO, 'Makefile'), tmp_path / 'Makefile')
    return subprocess.run(
        ['make', '-C', str(tmp_path), 'data', f'SHARED_CAMVID={shared}'],
        capture_output=True, text=True, timeout=60)


@pytest.fixture
def shared(tmp_path):
    path = tmp_path / 'shared_camvid'
    (path / 'img_dir').mkdir(parents=True)
    return path


def test_make_data_replaces_a_dangling_link(tmp_path, shared):
    (tmp_path / 'data').mkdir()
    link = tmp_path / 'data' / 'camvid'
    link.symlink_to(tmp_path / 'moved_away')
    run = make_data(tmp_path, shared)
    assert run.returncode == 0, run.stderr
    assert 'dangling' in run.stdout and 'moved_away' in run.stdout
    assert link.is_symlink() and link.resolve() == shared.resolve()


def test_make_data_links_the_shared_copy(tmp_path, shared):
    run = make_data(tmp_path, shared)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / 'data' / 'camvid').resolve() == shared.resolve()


@pytest.mark.parametrize('kind', ['directory', 'link'])
def test_make_data_keeps_a_directory_or_valid_link(tmp_path, shared, kind):
    (tmp_path / 'data').mkdir()
    target = tmp_path / 'data' / 'camvid'
    if kind == 'directory':
        target.mkdir()
    else:
        (tmp_path / 'mine').mkdir()
        target.symlink_to(tmp_path / 'mine')
    run = make_data(tmp_path, shared)
    assert run.returncode == 0, run.stderr
    assert 'is in place' in run.stdout
    assert target.is_symlink() == (kind == 'link')
    assert target.resolve() != shared.resolve()


# ------------------------------------------------------ tools/dist_*.sh
def fake_python(path, record):
    """An executable that writes its own path and argv to ``record``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nprintf "%s\\n" "$0" "$@" > "{record}"\n')
    path.chmod(0o755)
    return str(path)


def run_dist(script, args, env):
    base = {k: v for k, v in os.environ.items()
            if k not in ('PYTHON', 'MMSSL_VENV')}
    return subprocess.run(['bash', osp.join('tools', script), *args],
                          cwd=REPO, env=dict(base, **env),
                          capture_output=True, text=True, timeout=60)


def test_dist_train_runs_torchrun_with_the_python_of_PYTHON(tmp_path):
    record = tmp_path / 'argv.txt'
    python = fake_python(tmp_path / 'fake_python', record)
    run = run_dist('dist_train.sh', [BASELINE, '2', '--work-dir', 'w'],
                   {'PYTHON': python})
    assert run.returncode == 0, run.stderr
    argv = record.read_text().split('\n')
    assert argv[0] == python
    assert argv[1:3] == ['-m', 'torch.distributed.run']
    assert '--nproc_per_node=2' in argv
    assert argv[argv.index(BASELINE) - 1].endswith(osp.join('tools',
                                                            'train.py'))
    assert argv[-5:-1] == ['--launcher', 'pytorch', '--work-dir', 'w']


@pytest.mark.parametrize('script,args', [
    ('dist_train.sh', [BASELINE, '1']),
    ('dist_test.sh', [BASELINE, 'ckpt.pth', '1'])])
def test_dist_scripts_default_to_the_venv_python(tmp_path, script, args):
    record = tmp_path / 'argv.txt'
    python = fake_python(tmp_path / 'venv' / 'bin' / 'python', record)
    run = run_dist(script, args, {'MMSSL_VENV': str(tmp_path / 'venv')})
    assert run.returncode == 0, run.stderr
    assert record.read_text().split('\n')[0] == python


def test_dist_scripts_fall_back_to_python3(tmp_path):
    record = tmp_path / 'argv.txt'
    bin_dir = tmp_path / 'bin'
    fake_python(bin_dir / 'python', record)
    python3 = fake_python(bin_dir / 'python3', record)
    run = run_dist('dist_train.sh', [BASELINE, '1'], {
        'MMSSL_VENV': str(tmp_path / 'no_venv'),
        'PATH': f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert run.returncode == 0, run.stderr
    assert record.read_text().split('\n')[0] == python3
