"""The shape every pretraining algorithm of mmssl_seg has."""
from contextlib import nullcontext
from typing import List, Optional, Sequence, Union

import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor
from torch import Tensor, nn

from mmssl_seg.registry import MODELS
from ..utils import pre_classifier_features


class BaseSegPretrainer(BaseSelfSupervisor):
    """Registered parts in the slots of the segmentor they pretrain.

    A subclass is one method: it wires the parts in ``loss`` (and, if it can
    show its work, ``predict``). The parts are named after the slots of
    mmseg's ``EncoderDecoder`` (``backbone``, ``neck``, ``decode_head``), so
    each slot's weights move into a fine-tuning model by its prefix (a
    ``Pretrained`` init with ``prefix='decode_head.'``, or a stage of a
    pretraining chain). The pretext ``head`` owns the loss and stays behind.

    Args:
        backbone (dict): Encoder.
        neck (dict, optional): Neck between encoder and decoder.
        decode_head (dict, optional): Decoder, for methods that train one.
            Its pre-classifier features (:func:`pre_classifier_features`) feed
            the pretext head. Unless ``keep_classifier``, its classifier
            ``conv_seg`` is removed, so a checkpoint never carries an
            untrained classifier into fine-tuning.
        head (dict, optional): Pretext head with its loss. Its
            ``in_channels`` defaults to ``decode_head.channels``.
        frozen_slots (Sequence[str]): Slots kept as they are: no gradient,
            norm layers in eval mode through ``train()``, features computed
            without an autograd graph. E.g. ``('backbone',)`` for DDeP.
        keep_classifier (bool): Keep ``decode_head.conv_seg`` (methods that
            train it). Defaults to False.
        data_preprocessor (dict, optional): Defaults to
            ``SegDataPreProcessor``.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    SLOTS = ('backbone', 'neck', 'decode_head', 'head')

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 decode_head: Optional[dict] = None,
                 head: Optional[dict] = None,
                 frozen_slots: Sequence[str] = (),
                 keep_classifier: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        decoder = None
        if decode_head is not None:
            decoder = MODELS.build(decode_head)
            if not keep_classifier:
                decoder.conv_seg = nn.Identity()
            if head is not None and 'in_channels' not in head:
                head = dict(head, in_channels=decoder.channels)
        super().__init__(
            backbone=MODELS.build(backbone),
            neck=None if neck is None else MODELS.build(neck),
            head=None if head is None else MODELS.build(head),
            data_preprocessor=MODELS.build(
                data_preprocessor or dict(type='SegDataPreProcessor')),
            init_cfg=init_cfg)
        self.decode_head = decoder
        self.frozen_slots = tuple(frozen_slots)
        for slot in self.frozen_slots:
            if slot not in self.SLOTS or getattr(self, slot) is None:
                present = [
                    s for s in self.SLOTS if getattr(self, s) is not None
                ]
                raise ValueError(f'frozen_slots names {slot!r}, which this '
                                 f'{type(self).__name__} does not have; its '
                                 f'slots are {present}')
            getattr(self, slot).requires_grad_(False)
        self.train()

    @property
    def with_decode_head(self) -> bool:
        return self.decode_head is not None

    def train(self, mode: bool = True) -> 'BaseSegPretrainer':
        """Sets the mode, keeping frozen slots in eval mode."""
        super().train(mode)
        for slot in getattr(self, 'frozen_slots', ()):
            getattr(self, slot).eval()
        return self

    def _no_grad_if_frozen(self, slot: str):
        return torch.no_grad() if slot in self.frozen_slots else nullcontext()

    def extract_feat(self, inputs: Tensor) -> Sequence[Tensor]:
        """Encoder (and neck) features."""
        with self._no_grad_if_frozen('backbone'):
            feats = self.backbone(inputs)
        if self.with_neck:
            with self._no_grad_if_frozen('neck'):
                feats = self.neck(feats)
        return feats

    def decoder_features(self, feats: Sequence[Tensor]) -> Tensor:
        """The decoder's pre-classifier features of encoder ``feats``."""
        with self._no_grad_if_frozen('decode_head'):
            return pre_classifier_features(self.decode_head, feats)

    def predict(self, inputs: Tensor, data_samples=None):
        """What the method makes of ``inputs``, for inspection."""
        raise NotImplementedError(
            f'{type(self).__name__} has no predict mode')

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        """mmengine entry point: ``mode`` is 'loss', 'predict' or 'tensor'
        (the encoder features)."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode not in ('loss', 'tensor'):
            raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                             f'got {mode!r}')
        return super().forward(inputs, data_samples, mode)
