"""Label-based pixel contrastive pretraining, stage 1.

Zhao et al., "Contrastive Learning for Label Efficient Semantic
Segmentation", ICCV 2021, arXiv:2012.06985. With x an image, f the encoder,
g the decoder up to the features that feed the classifier, h the projection
and y the labels::

    F = g(f(x))                  pre-classifier features, (B, C, h, w)
    Z = h(F) / ||h(F)||          unit-length embeddings
    L = L_contrast(Z, y)         same-label pixels are positives, other
                                 labels negatives (PixelContrastHead)
    L += L_CE(cls(F), y)         only with ``with_ce=True`` (off by default)

Stage 2 fine-tunes f, g and a classifier by cross-entropy in an mmseg
``EncoderDecoder`` with the same backbone and decode head, taking the
``backbone`` and ``decode_head`` slots of this model; the projection h stays
behind.
"""
from typing import Dict, List, Optional

from mmseg.structures import SegDataSample
from mmseg.utils import add_prefix
from torch import Tensor

from mmssl_seg.registry import MODELS
from .base import BaseSegPretrainer


@MODELS.register_module()
class PixelContrastPretrainer(BaseSegPretrainer):
    """Stage 1: encoder and decoder trained by the pixel contrastive loss.

    Args:
        backbone (dict): Encoder f.
        decode_head (dict): Decoder g with its ``loss_decode`` (used with
            ``with_ce``).
        head (dict): ``dict(type='PixelContrastHead', loss=...)``: h and the
            contrastive loss.
        with_ce (bool): Also train the classifier by the decode head's
            ``loss_decode`` on F (reported as ``decode.loss_*``). Defaults
            to False (the paper's stage 1 is contrastive only; the classifier
            is then not part of the model).
        neck (dict, optional): Neck between encoder and decoder.
        frozen_slots (Sequence[str]): Slots kept fixed. Defaults to none.
        data_preprocessor (dict, optional): Defaults to
            ``SegDataPreProcessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 head: dict,
                 with_ce: bool = False,
                 neck: Optional[dict] = None,
                 frozen_slots=(),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=backbone,
            neck=neck,
            decode_head=decode_head,
            head=head,
            frozen_slots=frozen_slots,
            keep_classifier=with_ce,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.with_ce = with_ce

    def loss(self, inputs: Tensor,
             data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """L_contrast(Z, y) (+ L_CE(cls(F), y) with ``with_ce``)."""
        feats = self.decoder_features(self.extract_feat(inputs))
        labels = self.decode_head._stack_batch_gt(data_samples)[:, 0]
        losses = self.head.loss(feats, labels)
        if self.with_ce:
            logits = self.decode_head.cls_seg(feats)
            losses.update(
                add_prefix(
                    self.decode_head.loss_by_feat(logits, data_samples),
                    'decode'))
        return losses
