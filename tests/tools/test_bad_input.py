"""Bad input through the tools gives an error that names the culprit."""
import pytest

from tests.tools.conftest import BASELINE, tiny_run_options


def train_fails(tool, tmp_path, *options):
    run = tool(['python', 'tools/train.py', BASELINE, '--work-dir',
                str(tmp_path), '--cfg-options', *options])
    assert run.returncode != 0
    return run.stderr


def test_missing_data_root(tool, tmp_path):
    err = train_fails(tool, tmp_path,
                      'train_dataloader.dataset.dataset.data_root=/no/camvid')
    assert "data_root '/no/camvid' does not exist" in err


@pytest.mark.parametrize('fraction', ['0', '1.5'])
def test_fraction_out_of_range(camvid_root, tool, tmp_path, fraction):
    err = train_fails(tool, tmp_path, *tiny_run_options(camvid_root),
                      f'train_dataloader.dataset.fraction={fraction}')
    assert f'label fraction must be in (0, 1], got {fraction}' in err


def test_unknown_config_type(camvid_root, tool, tmp_path):
    err = train_fails(tool, tmp_path, *tiny_run_options(camvid_root),
                      'model.decode_head.type=NoSuchHead')
    assert 'NoSuchHead' in err and 'registry' in err


def test_amp_on_cpu_is_refused_clearly(tool, tmp_path):
    run = tool(['python', 'tools/train.py', BASELINE, '--amp'])
    assert run.returncode != 0
    assert '--amp needs a CUDA GPU' in run.stderr


def test_missing_config_file(tool):
    run = tool(['python', 'tools/train.py', 'configs/nope.py'])
    assert run.returncode != 0
    assert 'config file not found: configs/nope.py' in run.stderr
