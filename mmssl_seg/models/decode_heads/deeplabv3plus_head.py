"""DeepLabv3+'s decoder with its pre-classifier features exposed."""
from typing import Sequence

import torch
from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.models.utils import resize
from torch import Tensor

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class DeepLabV3PlusHead(DepthwiseSeparableASPPHead):
    """mmseg's ``DepthwiseSeparableASPPHead`` (Chen et al., ECCV 2018,
    arXiv:1802.02611) with :meth:`forward_features`, so pretraining heads can
    read what the classifier reads. Same arguments, modules and state-dict
    keys as the mmseg head.
    """

    def forward_features(self, inputs: Sequence[Tensor]) -> Tensor:
        """ASPP on the deep feature, fused with the low-level skip: the
        features before ``cls_seg``."""
        x = self._transform_inputs(inputs)
        pooled = resize(
            self.image_pool(x),
            size=x.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        out = self.bottleneck(torch.cat([pooled, *self.aspp_modules(x)], 1))
        if self.c1_bottleneck is not None:
            skip = self.c1_bottleneck(inputs[0])
            out = resize(
                out,
                size=skip.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
            out = torch.cat([out, skip], dim=1)
        return self.sep_bottleneck(out)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Logits."""
        return self.cls_seg(self.forward_features(inputs))
