import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mmssl_seg.utils import compat
from tests.conftest import REPO


class Payload:
    """Pickles as a call that creates ``path``: code run by unpickling."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path, ))


def test_mmengine_checkpoint_loads_with_weights_only(tmp_path):
    path = tmp_path / 'ckpt.pth'
    buffer = HistoryBuffer()
    buffer.update(1.5)
    # as in real checkpoints: references to its statistics methods
    buffer._statistics_methods = dict(HistoryBuffer._statistics_methods)
    state = {'weight': torch.arange(4.)}
    torch.save({'state_dict': state, 'message_hub': {'loss': buffer},
                'meta': {'iter': np.int64(3), 'arr': np.zeros(2)}}, path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['weight'], state['weight'])
    assert ckpt['message_hub']['loss'].current() == 1.5
    assert ckpt['message_hub']['loss'].statistics('min') == 1.5
    # mmengine's own torch.load (weights_only=True by default) reads it too
    assert torch.load(path)['meta']['iter'] == 3


def test_code_in_a_checkpoint_is_refused_and_named(tmp_path):
    path = tmp_path / 'planted.pth'
    marker = tmp_path / 'payload_ran'
    torch.save({'state_dict': {}, 'x': Payload(marker)}, path)
    with pytest.raises(pickle.UnpicklingError) as error:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert str(path) in str(error.value)
    assert f'--trust-checkpoint {path}' in str(error.value)
    assert 'mkdir' in str(error.value)  # the global it asked for
    assert not marker.exists()


def test_only_a_named_file_is_unpickled_in_full(tmp_path):
    trusted, other = tmp_path / 'trusted.pth', tmp_path / 'other.pth'
    for name in (trusted, other):
        torch.save({'x': Payload(tmp_path / f'{name.stem}_ran')}, name)
    compat.trust_checkpoint(str(trusted))
    CheckpointLoader.load_checkpoint(str(trusted), map_location='cpu')
    assert (tmp_path / 'trusted_ran').is_dir()
    with pytest.raises(pickle.UnpicklingError):
        CheckpointLoader.load_checkpoint(str(other), map_location='cpu')
    assert not (tmp_path / 'other_ran').exists()


def test_getattr_resolves_only_history_buffer_statistics():
    assert compat.history_buffer_method(HistoryBuffer, 'min') is \
        HistoryBuffer.min
    for owner, name in ((HistoryBuffer, '__init__'), (os, 'system'),
                        (HistoryBuffer, '__class__')):
        with pytest.raises(pickle.UnpicklingError, match='refused getattr'):
            compat.history_buffer_method(owner, name)


def test_importing_the_package_keeps_mmengines_loader():
    code = (
        'import mmssl_seg, mmssl_seg.models\n'
        'from mmengine.runner.checkpoint import CheckpointLoader\n'
        "print('LOADER', CheckpointLoader._schemes[''].__module__)\n"
        'from mmssl_seg.utils import register_all_modules\n'
        'register_all_modules()\n'
        "print('LOADER', CheckpointLoader._schemes[''].__module__)\n")
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    before, after = [line.split()[1] for line in out.stdout.splitlines()
                     if line.startswith('LOADER ')]
    assert before == 'mmengine.runner.checkpoint'
    assert after == 'mmssl_seg.utils.compat'
    # and registering says so
    assert 'local checkpoints load with torch.load(weights_only=True)' in \
        out.stdout + out.stderr


def test_plain_weights_load_without_unpickling_code(tmp_path, monkeypatch):
    path = tmp_path / 'weights.pth'
    torch.save({'w': torch.ones(2)}, path)
    calls = []
    real_load = torch.load
    monkeypatch.setattr(
        torch, 'load',
        lambda *a, **k: calls.append(k['weights_only']) or real_load(*a, **k))
    assert torch.equal(compat.load_local_checkpoint(str(path))['w'],
                       torch.ones(2))
    assert calls == [True]


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        compat.load_local_checkpoint(str(tmp_path / 'nope.pth'))


def test_known_warning_flood_is_filtered():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        compat.silence_known_warnings()
        warnings.warn('`torch.jit.script` is deprecated. Please switch to '
                      'torch.compile or torch.export.', DeprecationWarning)
        warnings.warn('an unrelated warning', UserWarning)
    assert [str(w.message) for w in caught] == ['an unrelated warning']
