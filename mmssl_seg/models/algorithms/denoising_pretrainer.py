"""DDeP / DeP: (decoder) denoising pretraining (Brempong et al., 2022).

METHODS.md section 1. An encoder f and a decoder g see a noisy image x~ (made
by :class:`GaussianNoise`, eq. (1) scaled or eq. (3) additive) and are
trained to predict the noise (default) or the clean image::

    L = || g(f(x~)) - eps ||^2      (target='noise', the paper's choice)
    L = || g(f(x~)) - x   ||^2      (target='image', a classic denoising AE)

DDeP freezes the encoder at its supervised (ImageNet) weights, BatchNorm
statistics included, and trains only the decoder; DeP trains both.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


class NoiseLevelFiLM(nn.Module):
    """Conditions features on the noise level: f <- f * (1 + a) + b.

    Per channel, [a, b] = W * gamma + c (one linear layer per feature map),
    zero-initialised so training starts from the unconditioned model.
    """

    def __init__(self, channels: Sequence[int]):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(1, 2 * c) for c in channels)
        for layer in self.layers:
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, feats: Sequence[Tensor],
                gamma: Tensor) -> List[Tensor]:
        out = []
        for feat, layer in zip(feats, self.layers):
            scale, shift = layer(gamma[:, None]).chunk(2, dim=1)
            out.append(feat * (1 + scale[..., None, None]) +
                       shift[..., None, None])
        return out


@MODELS.register_module()
class DenoisingPretrainer(BaseModel):
    """Denoising pretraining of an encoder-decoder segmentation model.

    Built from the same ``backbone`` and ``decode_head`` configs as the mmseg
    ``EncoderDecoder`` that fine-tunes it, so their state-dict keys
    (``backbone.*``, ``decode_head.*``) match. The head's classifier
    ``conv_seg`` is moved out to ``out_conv`` (it predicts the
    ``num_classes`` = image-channel target, not the K classes): the
    fine-tuning model keeps its own freshly initialised ``conv_seg``, and
    ``load_from = <this checkpoint>`` (or a ``Pretrained`` ``init_cfg`` with
    ``prefix='decode_head.'`` on the head) reports ``out_conv.*`` as unused.

    The decoder's output is resized (bilinear) to the image size when it is
    off by rounding (odd sizes); an output at half the image size or coarser
    (or twice or more) is refused: per-pixel noise cannot be predicted from an
    upsampled coarse map, so use as many upsampling decoder blocks as the
    encoder has stride-2 steps.

    Args:
        backbone (dict): Encoder f.
        decode_head (dict): Decoder g, an mmseg ``BaseDecodeHead`` with
            ``num_classes`` equal to the image channels (3).
        noise (dict): Corruption. Defaults to ``dict(type='GaussianNoise')``
            (scaled, sigma = 0.22).
        loss (dict): Criterion on (prediction, target). Defaults to mean
            squared error, ``dict(type='mmpretrain.PixelReconstructionLoss',
            criterion='L2')`` (the paper's squared norm up to a constant).
        target (str): ``'noise'`` (eps, default) or ``'image'`` (x).
        freeze_encoder (bool): True for DDeP (default): encoder parameters get
            no gradient and its norm layers stay in eval mode through
            ``train()``. False for DeP.
        noise_conditioning (bool): FiLM the decoder's input features on gamma
            (:class:`NoiseLevelFiLM`); tried by the paper, did not help.
            Defaults to False.
        data_preprocessor (dict): Defaults to ``SegDataPreProcessor``; the
            data samples' labels are ignored.
        init_cfg (dict, optional): Initialisation config.
    """

    TARGETS = ('noise', 'image')

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 noise: dict = dict(type='GaussianNoise'),
                 loss: dict = dict(
                     type='mmpretrain.PixelReconstructionLoss',
                     criterion='L2'),
                 target: str = 'noise',
                 freeze_encoder: bool = True,
                 noise_conditioning: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if target not in self.TARGETS:
            raise ValueError(
                f'target must be one of {self.TARGETS}, got {target!r}')
        if data_preprocessor is None:
            data_preprocessor = dict(type='SegDataPreProcessor')
        super().__init__(
            data_preprocessor=MODELS.build(data_preprocessor),
            init_cfg=init_cfg)
        self.target = target
        self.freeze_encoder = freeze_encoder
        self.backbone = MODELS.build(backbone)
        self.decode_head = MODELS.build(decode_head)
        # conv_seg predicts the denoising target here; keep it out of the
        # decode_head.* keys that fine-tuning loads (see class docstring).
        self.out_conv = self.decode_head.conv_seg
        self.decode_head.conv_seg = nn.Identity()
        self.noise = MODELS.build(noise)
        self.criterion = MODELS.build(loss)
        self.noise_film = None
        if noise_conditioning:
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
            self.noise_film = NoiseLevelFiLM(channels)
        if freeze_encoder:
            self.backbone.requires_grad_(False)
            self.backbone.eval()

    def train(self, mode: bool = True) -> 'DenoisingPretrainer':
        """Sets train mode, keeping a frozen encoder (DDeP) in eval mode."""
        super().train(mode)
        if self.freeze_encoder:
            self.backbone.eval()
        return self

    def extract_feat(self, inputs: Tensor) -> Sequence[Tensor]:
        """Encoder features f(inputs); no autograd graph when frozen."""
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.freeze_encoder):
            return self.backbone(inputs)

    def predict_target(self, noisy: Tensor, gamma: Tensor) -> Tensor:
        """g(f(x~)) at the image size, eps (or x) estimate of shape x~."""
        feats = self.extract_feat(noisy)
        if self.noise_film is not None:
            feats = list(feats)
            selected = [feats[i] for i in self.film_index]
            for i, feat in zip(self.film_index,
                               self.noise_film(selected, gamma)):
                feats[i] = feat
        pred = self.out_conv(self.decode_head(feats))
        return self._match_size(pred, noisy)

    def _match_size(self, pred: Tensor, image: Tensor) -> Tensor:
        if pred.shape[1] != image.shape[1]:
            raise ValueError(
                f'the decoder predicts {pred.shape[1]} channels but the '
                f'{self.target} target has {image.shape[1]}: set the '
                f'decode_head num_classes={image.shape[1]}')
        (h, w), (H, W) = pred.shape[2:], image.shape[2:]
        if not (H / 2 < h < 2 * H and W / 2 < w < 2 * W):
            raise ValueError(
                f'the decoder output is {h}x{w} for a {H}x{W} image: a '
                'denoising decoder must output the image resolution (one '
                'upsampling block per encoder stride-2 step)')
        if (h, w) != (H, W):
            pred = nn.functional.interpolate(
                pred, size=(H, W), mode='bilinear', align_corners=False)
        return pred

    def _check_inputs(self, inputs) -> None:
        if not isinstance(inputs, Tensor) or inputs.dim() != 4:
            shape = tuple(inputs.shape) if isinstance(inputs, Tensor) \
                else type(inputs).__name__
            raise ValueError(
                f'inputs must be an (N, C, H, W) image batch, got {shape}')

    def loss(self, inputs: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """Denoising loss of one batch (labels in data_samples unused)."""
        self._check_inputs(inputs)
        noisy, eps, gamma = self.noise(inputs)
        pred = self.predict_target(noisy, gamma)
        target = eps if self.target == 'noise' else inputs
        return dict(loss_denoise=self.criterion(pred, target))

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

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        """Raw prediction g(f(x~)) for freshly corrupted ``inputs``."""
        self._check_inputs(inputs)
        noisy, _, gamma = self.noise(inputs)
        return self.predict_target(noisy, gamma)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[SegDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], Tensor,
                                               List[SegDataSample]]:
        """mmengine entry point: ``mode`` is 'loss', 'predict' or 'tensor'."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}')
