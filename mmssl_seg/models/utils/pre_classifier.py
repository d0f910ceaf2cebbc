"""The features a decode head feeds its classifier."""
from typing import Sequence

from torch import Tensor, nn


def pre_classifier_features(head: nn.Module,
                            inputs: Sequence[Tensor]) -> Tensor:
    """F, the input of ``head.cls_seg``: the decoder without its classifier.

    A decode head offers it through ``forward_features(inputs)`` (the heads of
    this package: :class:`UNetHead`, :class:`DeepLabV3PlusHead`) or, as
    several mmseg heads do, ``_forward_feature(inputs)`` (ASPPHead, FCNHead,
    PSPHead, UPerHead).

    Raises:
        TypeError: for a head with neither method, saying how to add one.
    """
    for name in ('forward_features', '_forward_feature'):
        method = getattr(head, name, None)
        if callable(method):
            return method(inputs)
    raise TypeError(
        f'{type(head).__name__} gives no pre-classifier features: a decode '
        'head used for pretraining needs a method forward_features(inputs) '
        'returning what its classifier cls_seg receives')
