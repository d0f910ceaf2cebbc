"""Compatibility of mmengine 0.10.7 with torch >= 2.6.

1. Checkpoints. torch 2.6 made ``torch.load(weights_only=True)`` the default,
   which refuses what mmengine puts in a checkpoint besides the weights: the
   message hub's ``HistoryBuffer`` objects with numpy arrays and scalars, and
   ``getattr(HistoryBuffer, 'min')``-style references to its statistics
   methods. :func:`install_checkpoint_loader` (called by
   ``register_all_modules``, and logged) allow-lists exactly these, with a
   ``getattr`` that resolves only those method names, and registers a loader
   for local files that always loads with ``weights_only=True``. A file that
   needs more is refused with its name and the global it asked for; only a
   file the user names with :func:`trust_checkpoint` (``--trust-checkpoint
   FILE`` of the tools) is unpickled in full, which can execute code.
2. Warnings. Every import of ``mmengine.runner`` triggers dozens of
   ``torch.jit.script`` deprecation warnings from torch, and mmengine uses the
   deprecated ``torch.cuda.amp`` API. They are filtered by message.
"""
import os.path as osp
import pickle
import warnings
from typing import Set

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

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.logging import HistoryBuffer, print_log  # noqa: E402
from mmengine.runner.checkpoint import CheckpointLoader  # noqa: E402

_TRUSTED: Set[str] = set()
_INSTALLED = False


def history_buffer_method(owner, name: str):
    """``getattr`` as mmengine checkpoints use it: a statistics method of
    ``HistoryBuffer``, nothing else."""
    if owner is HistoryBuffer and name in {
            'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods
    }:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refused getattr({owner!r}, {name!r}) while loading a checkpoint')


def _mmengine_globals() -> list:
    numpy_types = [type(np.dtype(t)) for t in (
        np.float16, np.float32, np.float64, np.int8, np.int16, np.int32,
        np.int64, np.uint8, np.bool_)]
    return [
        HistoryBuffer, np.ndarray, np.dtype, *numpy_types,
        np._core.multiarray.scalar, np._core.multiarray._reconstruct,
        (history_buffer_method, 'builtins.getattr')
    ]


def trust_checkpoint(filename: str) -> None:
    """Allow full unpickling of this one file (it can execute code)."""
    _TRUSTED.add(osp.realpath(osp.expanduser(filename)))


def load_local_checkpoint(filename: str, map_location=None):
    """Loads a local file with ``weights_only=True``, or fully if trusted."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename}')
    if osp.realpath(filename) in _TRUSTED:
        print_log(f'unpickling {filename} in full (--trust-checkpoint)',
                  logger='current')
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        reason = ' '.join(
            line.strip() for line in str(error).splitlines()
            if 'GLOBAL' in line or 'global' in line) or 'see torch.load'
        raise pickle.UnpicklingError(
            f'{filename} holds more than weights and mmengine training state '
            f'({reason}). Loading it in full can execute code: if you trust '
            f'this file, name it with --trust-checkpoint {filename}') from None


def install_checkpoint_loader() -> None:
    """Allow-list mmengine's checkpoint content and load local files with
    :func:`load_local_checkpoint`; logs once."""
    global _INSTALLED
    if _INSTALLED:
        return
    torch.serialization.add_safe_globals(_mmengine_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
    _INSTALLED = True
    print_log(
        'mmssl_seg: local checkpoints load with torch.load(weights_only='
        "True); mmengine's training state (HistoryBuffer, numpy arrays) is "
        'allow-listed', logger='current')
