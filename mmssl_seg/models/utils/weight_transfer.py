"""Moving weights into a model slot by slot, checked and reported.

mmengine's ``Pretrained`` init and ``load_from`` load non-strictly: a
checkpoint whose keys match nothing leaves the model at random with a few
log lines. Here every load is compared with the receiving module first and
reported as keys loaded, missing, unexpected and shape-mismatched; a slot
that receives no key, misses keys outside a small tolerated set (the
classifier, by default) or gets a tensor of the wrong shape is an error that
names the slot, the checkpoint and example keys.
"""
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit, update_init_info
from mmengine.runner.checkpoint import _load_checkpoint
from torch import Tensor, nn

from mmssl_seg.registry import WEIGHT_INITIALIZERS

CLASSIFIER_KEYS = ('conv_seg.*', )


@dataclass
class LoadReport:
    """How a state dict fits a module."""
    loaded: Dict[str, Tensor] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    resized: List[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f'{len(self.loaded)} keys loaded, {len(self.missing)} '
                f'missing, {len(self.unexpected)} unexpected, '
                f'{len(self.mismatched)} shape-mismatched')
        if self.resized:
            text += f' ({len(self.resized)} position embeddings resized)'
        for name, keys in (('missing', self.missing),
                           ('unexpected', self.unexpected),
                           ('shape-mismatched',
                            [f'{k} {tuple(a)} vs {tuple(b)}'
                             for k, a, b in self.mismatched])):
            if keys:
                text += f'\n  {name}: {_examples(keys)}'
        return text


def _examples(keys: Sequence[str], count: int = 5) -> str:
    shown = ', '.join(list(keys)[:count])
    return shown + (f' ... ({len(keys)} in all)' if len(keys) > count else '')


def _resize_pos_embed(module: nn.Module, key: str, value: Tensor,
                      shape: torch.Size) -> Optional[Tensor]:
    """A ViT position embedding (1, extra + h*w, C) resized to ``shape``,
    as mmpretrain does; None if ``key`` is not one."""
    if not key.endswith('pos_embed') or value.dim() != 3 or \
            value.shape[-1] != shape[-1]:
        return None
    from mmpretrain.models.utils import resize_pos_embed
    owner = module.get_submodule(key.rpartition('.')[0]) if '.' in key \
        else module
    extra = getattr(owner, 'num_extra_tokens', 0)
    dst = getattr(owner, 'patch_resolution', None)
    src_side = round((value.shape[1] - extra)**0.5)
    if dst is None or src_side**2 != value.shape[1] - extra or \
            dst[0] * dst[1] + extra != shape[1]:
        return None
    return resize_pos_embed(
        value, (src_side, src_side), tuple(dst), 'bicubic', extra)


def match_state_dict(module: nn.Module,
                     state_dict: Mapping[str, Tensor]) -> LoadReport:
    """Compares ``state_dict`` with ``module``'s own, key by key."""
    own = module.state_dict()
    report = LoadReport()
    for key, value in state_dict.items():
        if key not in own:
            report.unexpected.append(key)
        elif value.shape == own[key].shape:
            report.loaded[key] = value
        else:
            resized = _resize_pos_embed(module, key, value, own[key].shape)
            if resized is None:
                report.mismatched.append((key, value.shape, own[key].shape))
            else:
                report.loaded[key] = resized
                report.resized.append(key)
    report.missing = [k for k in own if k not in state_dict]
    return report


def _outside(keys: Sequence[str], patterns: Sequence[str]) -> List[str]:
    return [k for k in keys
            if not any(fnmatch.fnmatch(k, p) for p in patterns)]


def load_into(module: nn.Module,
              state_dict: Mapping[str, Tensor],
              slot: str,
              checkpoint: str,
              allow_missing: Sequence[str] = CLASSIFIER_KEYS) -> LoadReport:
    """Loads ``state_dict`` into ``module`` (the model's ``slot``) if it fits.

    Keys matching an ``allow_missing`` pattern (fnmatch, relative to the
    slot) may be missing or of another shape; they keep their current values.

    Raises:
        ValueError: if no key fits, or a key outside ``allow_missing`` is
            missing or has another shape.
    """
    report = match_state_dict(module, state_dict)
    where = f'slot {slot!r} from {checkpoint}'
    if not report.loaded:
        raise ValueError(
            f'{where}: no key fits. The checkpoint offers '
            f'{_examples(list(state_dict)) or "no keys"}; the slot expects '
            f'{_examples(list(module.state_dict()))}. Check the prefix and '
            'that the checkpoint comes from a model with this slot.')
    missing = _outside(report.missing, allow_missing)
    mismatched = _outside([k for k, _, _ in report.mismatched], allow_missing)
    if missing or mismatched:
        raise ValueError(f'{where} does not fit: {report.summary()}')
    module.load_state_dict(report.loaded, strict=False)
    print_log(f'{where}: {report.summary()}', logger='current')
    return report


def check_model_fit(model: nn.Module,
                    state_dict: Mapping[str, Tensor],
                    checkpoint: str,
                    allow_missing: Sequence[str] = ('*conv_seg.*', )
                    ) -> LoadReport:
    """Checks that a whole-model ``state_dict`` fits ``model``.

    Every slot (top-level submodule with weights) must receive keys, and
    only keys matching ``allow_missing`` may be missing or of another shape.

    Raises:
        ValueError: naming the checkpoint, the slots without keys and the
            keys that do not fit.
    """
    report = match_state_dict(model, state_dict)
    slots = sorted({k.split('.')[0] for k in model.state_dict()})
    empty = [slot for slot in slots
             if not any(k.startswith(slot + '.') for k in report.loaded)]
    missing = _outside(report.missing, allow_missing)
    mismatched = _outside([k for k, _, _ in report.mismatched], allow_missing)
    if empty or missing or mismatched:
        empty_text = f'slots {empty} receive no key; ' if empty else ''
        raise ValueError(
            f'checkpoint {checkpoint} does not fit {type(model).__name__}: '
            f'{empty_text}{report.summary()}')
    return report


def read_state_dict(checkpoint: str, prefix: str = '',
                    map_location='cpu') -> Dict[str, Tensor]:
    """The keys of ``checkpoint`` under ``prefix``, the prefix removed
    (and a DDP ``module.`` prefix)."""
    loaded = _load_checkpoint(checkpoint, map_location=map_location)
    state_dict = loaded.get('state_dict', loaded)
    state_dict = {re.sub(r'^module\.', '', k): v
                  for k, v in state_dict.items()}
    if not prefix:
        return state_dict
    selected = {k[len(prefix):]: v for k, v in state_dict.items()
                if k.startswith(prefix)}
    if not selected:
        prefixes = sorted({k.split('.')[0] + '.' for k in state_dict})
        raise ValueError(f'{checkpoint} has no key with prefix {prefix!r}; '
                         f'its top-level prefixes are {prefixes}')
    return selected


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class CheckedPretrainedInit(PretrainedInit):
    """mmengine's ``Pretrained`` init, checked: loads the keys of
    ``checkpoint`` under ``prefix`` into the initialised module (or into its
    submodule ``slot``) through :func:`load_into`.

    Registered as ``Pretrained`` in the mmssl_seg scope, so mmengine applies
    it after every other initialisation, and configs written for mmengine
    (``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``)
    get the checks. ``slot`` lets the top-level model's ``init_cfg`` fill any
    slot, e.g. ``dict(type='Pretrained', checkpoint=..., prefix='backbone.',
    slot='backbone')``.

    Args:
        checkpoint (str): Checkpoint file.
        prefix (str, optional): Key prefix to select and remove.
        slot (str, optional): Submodule to load into, e.g. 'decode_head'.
        allow_missing (Sequence[str]): Key patterns that may be missing or
            mismatched. Defaults to the classifier, ``('conv_seg.*',)``.
        map_location (str): Defaults to 'cpu'.
    """

    def __init__(self,
                 checkpoint: str,
                 prefix: Optional[str] = None,
                 slot: Optional[str] = None,
                 allow_missing: Sequence[str] = CLASSIFIER_KEYS,
                 map_location: str = 'cpu'):
        super().__init__(checkpoint, prefix=prefix, map_location=map_location)
        self.slot = slot
        self.allow_missing = tuple(allow_missing)

    def __call__(self, module: nn.Module) -> None:
        target = module.get_submodule(self.slot) if self.slot else module
        state_dict = read_state_dict(self.checkpoint, self.prefix or '',
                                     self.map_location)
        load_into(target, state_dict,
                  self.slot or (self.prefix or '').rstrip('.') or 'model',
                  self.checkpoint, self.allow_missing)
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())
