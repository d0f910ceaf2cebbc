"""Label-based pixel contrastive pretraining (Zhao et al., ICCV 2021).

METHODS.md section 4, stage 1. With x an image, f the encoder (backbone),
g the decoder up to the features that feed the classifier, h the projection
head and y the labels::

    F = g(f(x))                  pre-classifier features, (B, C, h, w)
    Z = h(F) / ||h(F)||          unit-length embeddings (ProjectionHead)
    L = L_contrast(Z, y)         PixelContrastLoss: same-label pixels are
                                 positives, other labels negatives
    L += L_CE(cls(F), y)         only with ``with_ce=True`` (off by default)

Stage 2 fine-tunes f, g and the classifier ``cls`` by cross-entropy as a
plain mmseg ``EncoderDecoder`` built from the same backbone and decode-head
configs, so ``load_from = <stage-1 checkpoint>`` fills every ``backbone.*``
and ``decode_head.*`` weight and reports the ``projection_head.*`` keys as
unused: the projection head is dropped.
"""
from typing import List, Optional, Sequence

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.segmentors import EncoderDecoder
from mmseg.structures import SegDataSample
from mmseg.utils import add_prefix
from torch import Tensor

from mmssl_seg.registry import MODELS


def pre_classifier_features(head: BaseDecodeHead,
                            inputs: Sequence[Tensor]) -> Tensor:
    """F: what ``head.cls_seg`` receives, i.e. ``head(inputs)`` run with
    its classifier (dropout + ``conv_seg``) replaced by the identity.

    Works for every mmseg decode head whose ``forward`` ends in
    ``self.cls_seg(feat)`` (FCN, ASPP, DeepLabv3+'s
    DepthwiseSeparableASPPHead, SegFormer, UNetHead, ...).

    Raises:
        TypeError: if ``head.forward`` does not call ``cls_seg`` exactly once.
    """
    captured = []

    def capture(feat: Tensor) -> Tensor:
        captured.append(feat)
        return feat

    head.cls_seg = capture
    try:
        head(inputs)
    finally:
        del head.cls_seg
    if len(captured) != 1:
        raise TypeError(
            f'{type(head).__name__}.forward called cls_seg {len(captured)} '
            'times; pre-classifier features need a head whose forward ends '
            'in one call of self.cls_seg(feat)')
    return captured[0]


@MODELS.register_module()
class PixelContrastPretrainer(EncoderDecoder):
    """Stage 1: a segmentor trained by the pixel contrastive loss on F.

    Takes mmseg ``EncoderDecoder`` arguments (no auxiliary head) plus:

    Args:
        projection_head (dict): config of the head h, e.g.
            ``dict(type='ProjectionHead', channels=256, num_convs=3)``;
            ``in_channels`` defaults to ``decode_head.channels``.
        contrast_loss (dict): config of the loss, e.g.
            ``dict(type='PixelContrastLoss', feat_size=(65, 65))``. The loss
            resizes Z and the labels to its ``feat_size``.
        with_ce (bool): also train the classifier with the decode head's
            ``loss_decode`` on F (reported as ``decode.loss_*``).
            Default: False (the paper's stage 1 is contrastive only); the
            classifier ``conv_seg`` then takes no part in the loss and is
            frozen, so distributed training needs no
            ``find_unused_parameters``.

    ``predict`` is EncoderDecoder's; with ``with_ce=False`` the classifier
    is untrained, so stage-1 configs run no validation.
    """

    def __init__(self,
                 projection_head: dict,
                 contrast_loss: dict,
                 with_ce: bool = False,
                 auxiliary_head: Optional[dict] = None,
                 **kwargs):
        if auxiliary_head is not None:
            raise ValueError('PixelContrastPretrainer takes no auxiliary_head:'
                             ' stage 1 trains only through the projection '
                             'head (and the classifier with with_ce=True)')
        super().__init__(**kwargs)
        projection_head = dict(projection_head)
        projection_head.setdefault('in_channels', self.decode_head.channels)
        self.projection_head = MODELS.build(projection_head)
        self.contrast_loss = MODELS.build(contrast_loss)
        self.with_ce = with_ce
        if not with_ce:
            self.decode_head.conv_seg.requires_grad_(False)

    def loss(self, inputs: Tensor,
             data_samples: List[SegDataSample]) -> dict:
        """L_contrast(Z, y) (+ L_CE(cls(F), y) with ``with_ce``)."""
        feats = pre_classifier_features(self.decode_head,
                                        self.extract_feat(inputs))
        labels = self.decode_head._stack_batch_gt(data_samples)[:, 0]
        losses = {
            self.contrast_loss.loss_name:
            self.contrast_loss(self.projection_head(feats), labels)
        }
        if self.with_ce:
            logits = self.decode_head.cls_seg(feats)
            losses.update(
                add_prefix(
                    self.decode_head.loss_by_feat(logits, data_samples),
                    'decode'))
        return losses
