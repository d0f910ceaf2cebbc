"""DDeP / DeP: (decoder) denoising pretraining.

Brempong et al., "Denoising Pretraining for Semantic Segmentation", CVPR
Workshops 2022, arXiv:2205.11423. An encoder f and a decoder g see a noisy
image x~ (made by :class:`GaussianNoise`: scaled, eq. (1), or additive, eq.
(3)) and are trained to predict the noise (default) or the clean image::

    L = || g(f(x~)) - eps ||^2      (target='noise', the paper's choice)
    L = || g(f(x~)) - x   ||^2      (target='image', a classic denoising AE)

DDeP freezes the encoder at its supervised (ImageNet) weights, BatchNorm
statistics included (``frozen_slots=('backbone',)``, the default), and trains
only the decoder; DeP trains both (``frozen_slots=()``).
"""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import Tensor

from mmssl_seg.registry import MODELS
from ..utils import NoiseLevelFiLM
from .base import BaseSegPretrainer


@MODELS.register_module()
class DenoisingPretrainer(BaseSegPretrainer):
    """Denoising pretraining of an encoder-decoder segmentation model.

    Args:
        backbone (dict): Encoder f.
        decode_head (dict): Decoder g, a decode head whose pre-classifier
            features have the image resolution (e.g. ``UNetHead``).
        head (dict): Pretext head, e.g. ``dict(type='DenoisingHead')``: a 1x1
            conv to the image channels, and the loss.
        noise (dict): Corruption. Defaults to ``dict(type='GaussianNoise')``
            (scaled, sigma = 0.22).
        target (str): ``'noise'`` (eps, default) or ``'image'`` (x).
        noise_conditioning (bool): FiLM the decoder's input features on gamma
            (:class:`NoiseLevelFiLM`); tried by the paper, did not help.
            Defaults to False.
        neck (dict, optional): Neck between encoder and decoder.
        frozen_slots (Sequence[str]): ``('backbone',)`` for DDeP (default),
            ``()`` for DeP.
        data_preprocessor (dict, optional): Defaults to
            ``SegDataPreProcessor``; labels are ignored.
        init_cfg (dict, optional): Initialisation config.
    """

    TARGETS = ('noise', 'image')

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 head: dict = dict(type='DenoisingHead'),
                 noise: dict = dict(type='GaussianNoise'),
                 target: str = 'noise',
                 noise_conditioning: bool = False,
                 neck: Optional[dict] = None,
                 frozen_slots: Sequence[str] = ('backbone', ),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if target not in self.TARGETS:
            raise ValueError(
                f'target must be one of {self.TARGETS}, got {target!r}')
        super().__init__(
            backbone=backbone,
            neck=neck,
            decode_head=decode_head,
            head=head,
            frozen_slots=frozen_slots,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.target = target
        self.noise = MODELS.build(noise)
        self.noise_film = self._build_film() if noise_conditioning else None

    def _build_film(self) -> NoiseLevelFiLM:
        index = self.decode_head.in_index
        channels = self.decode_head.in_channels
        if isinstance(index, int):
            index, channels = [index], [channels]
        if not isinstance(channels, (list, tuple)) or \
                len(channels) != len(index):
            raise ValueError(
                'noise_conditioning needs one channel count per decoder '
                f'input, got in_channels={channels}, in_index={index}')
        self.film_index = list(index)
        return NoiseLevelFiLM(channels)

    def _check_inputs(self, inputs) -> None:
        if not isinstance(inputs, Tensor) or inputs.dim() != 4:
            shape = tuple(inputs.shape) if isinstance(inputs, Tensor) \
                else type(inputs).__name__
            raise ValueError(
                f'inputs must be an (N, C, H, W) image batch, got {shape}')

    def restoration_features(self, noisy: Tensor, gamma: Tensor) -> Tensor:
        """g(f(x~)) before the head: decoder features of the noisy batch."""
        feats = self.extract_feat(noisy)
        if self.noise_film is not None:
            feats = list(feats)
            selected = [feats[i] for i in self.film_index]
            for i, feat in zip(self.film_index,
                               self.noise_film(selected, gamma)):
                feats[i] = feat
        return self.decoder_features(feats)

    def predict_target(self, noisy: Tensor, gamma: Tensor) -> Tensor:
        """The eps (or x) estimate, shaped like ``noisy``."""
        return self.head(
            self.restoration_features(noisy, gamma), noisy.shape[2:])

    def loss(self, inputs: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """L of one batch (labels in data_samples unused)."""
        self._check_inputs(inputs)
        noisy, eps, gamma = self.noise(inputs)
        target = eps if self.target == 'noise' else inputs
        return dict(loss_denoise=self.head.loss(
            self.restoration_features(noisy, gamma), target))

    @torch.no_grad()
    def denoise(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Corrupts ``inputs`` and restores them, for inspection.

        Returns:
            dict: ``noisy``, ``noise`` (true eps), ``gamma``, ``pred_noise``
            and ``denoised``, in the normalised space of ``inputs``.
        """
        self._check_inputs(inputs)
        noisy, eps, gamma = self.noise(inputs)
        pred = self.predict_target(noisy, gamma)
        if self.target == 'noise':
            pred_noise = pred
            denoised = self.noise.denoise(noisy, pred, gamma)
        else:
            pred_noise = self.noise.noise_of(noisy, pred, gamma)
            denoised = pred
        return dict(
            noisy=noisy,
            noise=eps,
            gamma=gamma,
            pred_noise=pred_noise,
            denoised=denoised)

    def predict(self,
                inputs: Tensor,
                data_samples: Optional[List[SegDataSample]] = None
                ) -> List[SegDataSample]:
        """:meth:`denoise` per sample, as ``noisy``, ``pred_noise`` and
        ``denoised`` :class:`PixelData` fields."""
        out = self.denoise(inputs)
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(len(inputs))]
        for i, sample in enumerate(data_samples):
            for key in ('noisy', 'pred_noise', 'denoised'):
                sample.set_data({key: PixelData(data=out[key][i])})
        return data_samples
