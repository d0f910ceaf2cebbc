"""Integration: tools/train.py and tools/test.py on real CamVid images."""
import json
import os.path as osp
import sys

import torch

from tests.conftest import REPO
from tests.tools.conftest import BASELINE, tiny_run_options

# where `tools/test.py --show-dir DIR` puts its drawings (mmengine's
# LocalVisBackend layout), as docs/get_started.md says
SHOW_DIR_IMAGES = 'vis_data/vis_image'


def test_docs_say_where_show_dir_writes():
    with open(osp.join(REPO, 'docs', 'get_started.md')) as f:
        assert f'`DIR/{SHOW_DIR_IMAGES}/`' in f.read()


def test_train_then_test_with_and_without_tta(camvid_root, tmp_path, tool):
    work = str(tmp_path / 'run')
    train = tool(['python', 'tools/train.py', BASELINE, '--work-dir', work,
                  '--cfg-options', *tiny_run_options(camvid_root)])
    assert train.returncode == 0, train.stderr[-3000:]
    ckpt = osp.join(work, 'iter_4.pth')
    assert osp.isfile(ckpt)
    with open(osp.join(work, 'labelled_split.txt')) as f:
        assert len(f.read().split()) == 7  # 2% of 367
    results = {}
    for tta in (False, True):
        out = str(tmp_path / f'metrics_{tta}.json')
        test = tool(['python', 'tools/test.py', BASELINE, ckpt, '--work-dir',
                     str(tmp_path / 'test'), '--dump-metrics', out] +
                    (['--tta'] if tta else []) +
                    ['--cfg-options', *tiny_run_options(camvid_root)])
        assert test.returncode == 0, test.stderr[-3000:]
        with open(out) as f:
            results[tta] = json.load(f)
    for metrics in results.values():
        assert 0.0 <= metrics['mIoU'] <= 100.0
    # TTA averages 12 views, so it gives other predictions than one view
    assert results[True] != results[False]


def test_test_tool_slide_inference_saves_predictions_and_drawings(
        camvid_root, tmp_path, tool):
    work = str(tmp_path / 'run')
    options = tiny_run_options(camvid_root, max_iters=1)
    assert tool(['python', 'tools/train.py', BASELINE, '--work-dir', work,
                 '--cfg-options', *options]).returncode == 0
    out_dir, show_dir = tmp_path / 'preds', tmp_path / 'drawn'
    test = tool(['python', 'tools/test.py', BASELINE,
                 osp.join(work, 'iter_1.pth'), '--work-dir', work, '--out',
                 str(out_dir), '--show-dir', str(show_dir), '--cfg-options',
                 *options, 'model.test_cfg.mode=slide',
                 'model.test_cfg.crop_size=(128,128)',
                 'model.test_cfg.stride=(96,96)'])
    assert test.returncode == 0, test.stderr[-3000:]
    assert "mode='slide'" in test.stdout + test.stderr
    assert len(list(out_dir.glob('*.png'))) == 3
    drawn = list(show_dir.rglob('*.png'))
    assert len(drawn) == 3
    assert {p.parent for p in drawn} == {show_dir / SHOW_DIR_IMAGES}


def test_interrupted_run_resumes_to_the_same_weights(camvid_root, tmp_path,
                                                     tool):
    options = tiny_run_options(camvid_root, max_iters=6) + [
        'default_hooks.checkpoint.interval=3']
    full = str(tmp_path / 'full')
    assert tool(['python', 'tools/train.py', BASELINE, '--work-dir', full,
                 '--cfg-options', *options]).returncode == 0
    # a hook kills the process right after the checkpoint of iteration 3
    (tmp_path / 'crash_hook.py').write_text(
        'import os\n'
        'from mmengine.hooks import Hook\n'
        'from mmssl_seg.registry import HOOKS\n'
        '@HOOKS.register_module()\n'
        'class CrashAfter3(Hook):\n'
        '    priority = "LOWEST"\n'
        '    def after_train_iter(self, runner, *args, **kwargs):\n'
        '        if runner.iter + 1 == 3:\n'
        '            os._exit(3)\n')
    crash_cfg = tmp_path / 'crash_cfg.py'
    crash_cfg.write_text(f"_base_ = ['{BASELINE}']\n"
                         "custom_imports = dict(imports=['crash_hook'])\n"
                         "custom_hooks = [dict(type='CrashAfter3')]\n")
    part = str(tmp_path / 'interrupted')
    crashed = tool(['python', 'tools/train.py', str(crash_cfg), '--work-dir',
                    part, '--cfg-options', *options],
                   env={'PYTHONPATH': str(tmp_path)})
    assert crashed.returncode == 3
    assert not osp.exists(osp.join(part, 'iter_6.pth'))
    resumed = tool(['python', 'tools/train.py', BASELINE, '--work-dir', part,
                    '--resume', '--cfg-options', *options])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed' in (resumed.stdout + resumed.stderr).lower()
    a = torch.load(osp.join(full, 'iter_6.pth'), weights_only=False)
    b = torch.load(osp.join(part, 'iter_6.pth'), weights_only=False)
    assert a['meta']['iter'] == b['meta']['iter'] == 6
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    # and the run really moved away from the iteration-3 weights
    c = torch.load(osp.join(part, 'iter_3.pth'), weights_only=False)
    assert any(not torch.equal(v, c['state_dict'][k])
               for k, v in a['state_dict'].items())


def test_two_process_distributed_training_and_testing(camvid_root, tmp_path,
                                                      tool):
    work = str(tmp_path / 'dist')
    env = {'OMP_NUM_THREADS': '1', 'PYTHON': sys.executable,
           'PORT': '29517'}
    options = tiny_run_options(camvid_root, max_iters=2)
    run = tool(['bash', 'tools/dist_train.sh', BASELINE, '2', '--work-dir',
                work, '--cfg-options', *options], env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    log = run.stdout + run.stderr
    # mmengine's environment report; 'GPU number' is its name for world size
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    out = str(tmp_path / 'metrics.json')
    test = tool(['bash', 'tools/dist_test.sh', BASELINE,
                 osp.join(work, 'iter_2.pth'), '2', '--work-dir', work,
                 '--dump-metrics', out, '--cfg-options', *options], env=env)
    assert test.returncode == 0, test.stderr[-3000:]
    with open(out) as f:
        assert 0 <= json.load(f)['mIoU'] <= 100
