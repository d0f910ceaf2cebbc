"""Compatibility of mmengine 0.10.7 with torch >= 2.6, loaded on import.

1. Checkpoints. torch 2.6 made ``torch.load(weights_only=True)`` the default.
   mmengine checkpoints hold a ``message_hub`` with ``HistoryBuffer`` objects,
   numpy scalars and more, so ``resume`` and ``load_from`` fail with
   ``Unsupported global``. We register a loader for local files (the prefix
   ``''`` in mmengine's ``CheckpointLoader``) that first tries the safe
   ``weights_only=True`` and, only if the file holds other Python objects,
   loads it with ``weights_only=False``. That executes pickled code, which is
   acceptable for a file the user named in ``load_from``/``resume``/``test.py``
   and never done for anything downloaded.
2. Warnings. Every import of ``mmengine.runner`` triggers dozens of
   ``torch.jit.script`` deprecation warnings from torch, and mmengine uses the
   deprecated ``torch.cuda.amp`` API. They are filtered by message.
"""
import os.path as osp
import pickle
import warnings

_NOISY_WARNINGS = (
    r'.*torch\.jit\.(script|script_method|interface).* is deprecated',
    r'.*`torch\.cuda\.amp\.\w+\(args\.\.\.\)` is deprecated',
)


def silence_known_warnings() -> None:
    """Hide the deprecation warnings that the stack itself raises."""
    for message in _NOISY_WARNINGS:
        warnings.filterwarnings('ignore', message=message)


# before torch and mmengine are imported: importing them raises the warnings
silence_known_warnings()

import torch  # noqa: E402
from mmengine.runner.checkpoint import CheckpointLoader  # noqa: E402


def load_local_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint file chosen by the user on torch >= 2.6."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename}')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError:
        return torch.load(filename, map_location=map_location,
                          weights_only=False)


def install() -> None:
    """Apply both fixes; safe to call more than once."""
    silence_known_warnings()
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
