"""Layer-wise learning-rate decay for a segmentor's transformer backbone."""
from functools import partial
from typing import Callable, List, Optional

from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor
from torch import nn

from mmssl_seg.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(
        LearningRateDecayOptimWrapperConstructor):
    """mmpretrain's layer-wise lr decay, asking the backbone for the depths.

    A parameter at depth d of D (``backbone.get_layer_depth``: 0 for the
    patch embedding, i for block i, D - 1 for everything after the last
    block, the decode head included) gets::

        lr = base_lr * layer_decay_rate ** (D - 1 - d)

    (BEiT, Bao et al., arXiv:2106.08254). mmpretrain's constructor needs the
    model itself to answer ``get_layer_depth``, which an mmseg
    ``EncoderDecoder`` does not; this one falls back to its ``backbone``
    (e.g. mmpretrain's ``VisionTransformer``), whose parameters are named
    ``backbone.*``. ``paramwise_cfg`` is the parent's: ``layer_decay_rate``,
    ``norm_decay_mult``, ``bias_decay_mult``, ``flat_decay_mult``,
    ``custom_keys`` (weight decay only).
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   get_layer_depth: Optional[Callable] = None,
                   **kwargs) -> None:
        if get_layer_depth is None and not hasattr(module, 'get_layer_depth'):
            backbone = getattr(module, 'backbone', None)
            if not hasattr(backbone, 'get_layer_depth'):
                raise ValueError(
                    'layer-wise lr decay needs get_layer_depth on the model '
                    f'{type(module).__name__} or on its backbone '
                    f'{type(backbone).__name__} (e.g. mmpretrain.'
                    'VisionTransformer)')
            get_layer_depth = partial(
                backbone.get_layer_depth, prefix='backbone.')
        super().add_params(params, module, prefix, get_layer_depth, **kwargs)
