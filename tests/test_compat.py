import warnings

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mmssl_seg.utils import compat


def test_loads_an_mmengine_style_checkpoint_on_new_torch(tmp_path):
    path = tmp_path / 'ckpt.pth'
    buffer = HistoryBuffer()
    buffer.update(1.5)
    state = {'weight': torch.arange(4.)}
    torch.save({'state_dict': state, 'message_hub': {'loss': buffer},
                'meta': {'iter': np.int64(3)}}, path)
    with pytest.raises(Exception, match='Unsupported global'):
        torch.load(path)  # what mmengine 0.10.7 would do on torch >= 2.6
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['weight'], state['weight'])
    assert ckpt['message_hub']['loss'].current() == 1.5


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
