"""Noise-level conditioning of decoder inputs (FiLM), tried by DDeP."""
from typing import List, Sequence

from torch import Tensor, nn


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
