"""NT-Xent, the contrastive loss of SimCLR, and its MoCo v3 form.

SimCLR (Chen et al., arXiv:2002.05709), as SiT uses it (Atito et al.,
arXiv:2104.03602): the 2N embeddings of N positive pairs (a_i, b_i),
L2-normalised to z, cosine similarity s(u, v) = z_u . z_v, temperature t::

    l(u, v) = -log( exp(s(u, v)/t) / sum_{w != u} exp(s(u, w)/t) )
    L = 1/(2N) sum_i [ l(a_i, b_i) + l(b_i, a_i) ]                   (1)

MoCo v3 (Chen et al., arXiv:2104.02057; the form of SiT's public code):
queries q_i against keys k_j (from a momentum teacher) only::

    L = -2t/N sum_i log( exp(s(q_i, k_i)/t) / sum_j exp(s(q_i, k_j)/t) )  (2)

The negatives are the other samples of the local batch (no gathering across
processes).
"""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


def nt_xent(a: Tensor, b: Tensor, temperature: float) -> Tensor:
    """Eq. (1) for positive pairs (a_i, b_i), a and b of shape (N, D)."""
    z = F.normalize(torch.cat([a, b]), dim=1)
    n = a.shape[0]
    logits = z @ z.t() / temperature
    logits = logits.masked_fill(
        torch.eye(2 * n, dtype=torch.bool, device=z.device), float('-inf'))
    positives = torch.arange(2 * n, device=z.device).roll(n)
    return F.cross_entropy(logits, positives)


def moco_infonce(q: Tensor, k: Tensor, temperature: float) -> Tensor:
    """Eq. (2) for queries q and keys k of shape (N, D)."""
    logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).t() / temperature
    labels = torch.arange(q.shape[0], device=q.device)
    return 2 * temperature * F.cross_entropy(logits, labels)


@MODELS.register_module()
class NTXentLoss(nn.Module):
    """Eq. (1) (``form='simclr'``) or eq. (2) (``form='moco'``) of the
    module docstring.

    Args:
        temperature (float): t > 0. Defaults to 0.2 (SiT).
        form (str): ``'simclr'`` (default) or ``'moco'``.
    """

    FORMS = ('simclr', 'moco')

    def __init__(self, temperature: float = 0.2, form: str = 'simclr'):
        super().__init__()
        if form not in self.FORMS:
            raise ValueError(f'form must be one of {self.FORMS}, got {form!r}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.temperature = temperature
        self.form = form

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        """The loss of positive pairs (a_i, b_i); for ``'moco'``, a are the
        queries and b the keys."""
        if a.shape != b.shape or a.dim() != 2:
            raise ValueError('a and b must be (N, D) of one shape, got '
                             f'{tuple(a.shape)} and {tuple(b.shape)}')
        loss = nt_xent if self.form == 'simclr' else moco_infonce
        return loss(a, b, self.temperature)

    def extra_repr(self) -> str:
        return f'temperature={self.temperature}, form={self.form}'
