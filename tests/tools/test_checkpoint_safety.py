"""tools/train.py and tools/test.py load only checkpoints that fit, safely,
and never share a work dir."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import torch
from mmengine.config import Config

from mmssl_seg.registry import MODELS
from tests.conftest import REPO
from tests.test_compat import Payload
from tests.tools.conftest import BASELINE, tiny_run_options

UNET = osp.join(REPO, 'configs', 'supervised',
                'supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py')
CONTRAST_STAGE1 = osp.join(
    REPO, 'configs', 'pixel_contrast',
    'pixelcontrast-single_effnetlite0-deeplabv3plus_1xb8-200i_'
    'camvid-176x240.py')


def _saved_model(config, path):
    model = MODELS.build(Config.fromfile(config).model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


def test_test_tool_refuses_a_checkpoint_of_another_model(camvid_root,
                                                         tmp_path, tool):
    ckpt = tmp_path / 'other.pth'
    torch.save(dict(state_dict={'fc.weight': torch.zeros(2, 2)}), ckpt)
    out = tmp_path / 'metrics.json'
    run = tool(['python', 'tools/test.py', BASELINE, str(ckpt), '--work-dir',
                str(tmp_path / 'test'), '--dump-metrics', str(out),
                '--cfg-options', *tiny_run_options(camvid_root)])
    assert run.returncode != 0
    assert f'checkpoint {ckpt} does not fit EncoderDecoder' in run.stderr
    assert "slots ['backbone', 'decode_head'] receive no key" in run.stderr
    assert not out.exists()


def test_load_from_with_another_decoder_is_refused(camvid_root, tmp_path,
                                                   tool):
    """Pixel-contrast stage-1 weights (DeepLabv3+ decoder) into the U-Net
    fine-tuning: the decoder would stay random."""
    ckpt = _saved_model(CONTRAST_STAGE1, tmp_path / 'stage1.pth')
    run = tool(['python', 'tools/train.py', UNET, '--work-dir',
                str(tmp_path / 'run'), '--cfg-options',
                *tiny_run_options(camvid_root, max_iters=1),
                f'load_from={ckpt}'])
    assert run.returncode != 0
    assert "slots ['decode_head'] receive no key" in run.stderr
    assert not osp.exists(tmp_path / 'run' / 'iter_1.pth')


def test_resume_without_a_checkpoint_keeps_load_from(camvid_root, tmp_path,
                                                     tool):
    ckpt = _saved_model(BASELINE, tmp_path / 'start.pth')
    work = tmp_path / 'run'
    run = tool(['python', 'tools/train.py', BASELINE, '--work-dir',
                str(work), '--resume', '--cfg-options',
                *tiny_run_options(camvid_root, max_iters=1),
                f'load_from={ckpt}'])
    assert run.returncode == 0, run.stderr[-3000:]
    log = run.stdout + run.stderr
    assert f'--resume: no checkpoint to resume in {work}' in log
    assert f'load_from={ckpt}' in log
    assert f'checkpoint {ckpt} into EncoderDecoder' in log
    assert osp.isfile(work / 'iter_1.pth')
    assert not osp.exists(work / '.train.lock')  # released at the end


def test_a_busy_work_dir_is_refused(camvid_root, tmp_path, tool):
    work = tmp_path / 'run'
    work.mkdir()
    holder = subprocess.Popen([sys.executable, '-c',
                               'import time; time.sleep(120)'])
    try:
        (work / '.train.lock').write_text(json.dumps(dict(
            pid=holder.pid, host=socket.gethostname(),
            started='2026-01-01 00:00:00', command='tools/train.py other.py')))
        run = tool(['python', 'tools/train.py', BASELINE, '--work-dir',
                    str(work), '--cfg-options',
                    *tiny_run_options(camvid_root, max_iters=1)])
    finally:
        holder.kill()
    assert run.returncode != 0
    assert f'work dir {work} is in use by another training: pid ' \
        f'{holder.pid}' in run.stderr
    assert 'tools/train.py other.py' in run.stderr
    assert os.listdir(work) == ['.train.lock']  # nothing written


def test_resume_refuses_a_planted_checkpoint(camvid_root, tmp_path, tool):
    work = tmp_path / 'run'
    work.mkdir()
    marker = tmp_path / 'payload_ran'
    planted = work / 'iter_3.pth'
    torch.save(dict(state_dict={}, meta=dict(x=Payload(marker))), planted)
    (work / 'last_checkpoint').write_text(str(planted))
    run = tool(['python', 'tools/train.py', BASELINE, '--work-dir',
                str(work), '--resume', '--cfg-options',
                *tiny_run_options(camvid_root, max_iters=1)])
    assert run.returncode != 0
    assert f'--trust-checkpoint {planted}' in run.stderr
    assert not marker.exists()
