"""Speed and peak memory of a GMML pretraining step: toolbox vs plain PyTorch.

    python tools/analysis_tools/benchmark_gmml.py [CONFIG] \
        [--batch-size 8] [--size 96] [--warmup 3] [--iters 10] [--rounds 3]

Two cases, each in a fresh subprocess so that its peak memory is its own:

* ``toolbox``: the config's :class:`GMML` through ``model.train_step`` with
  the optim wrapper built from the config (data preprocessor,
  :class:`GMMLCorruption`, ViT, :class:`GMMLReconstructionHead`,
  :class:`GMMLContrastiveHead` with its momentum teacher (``CosineEMA``),
  ``OptimWrapper.update_params`` with clipping);
* ``plain``: the same modules (same weights) in a hand-written loop:
  normalise, corrupt with the model's corruption module, ViT forward,
  reconstruction head and L1 on the corrupted pixels, projection of the
  contrastive token, teacher as a manual EMA (cosine momentum) of a deep
  copy of (ViT, projection) on the clean views, MoCo v3 InfoNCE both ways,
  ``torch.optim.AdamW`` with the config's lr, betas, weight decay and
  gradient clipping.

Both take the same random uint8 batch of two views of ``--size`` pixels
(default: the config's ``view_size``) every step; the encoder is built for
that size. The global seed is 0 when the steps start, so both draw the same
corruptions and drop paths. Warm-up steps are excluded; a case's step time
is the median over its timed steps. The cases run one after the other in
``--rounds`` rounds, and the table gives each case's fastest round,
images/s = batch / step time (an image is a pair of views), and memory: on
CPU the process's peak resident set (``resource.getrusage().ru_maxrss``,
interpreter, libraries and model included) and its growth over the resident
set just before the first step; on CUDA ``torch.cuda.max_memory_allocated``.
The last line is the speed of the recipe (the toolbox row) and the time of
the config's schedule at that speed (data loading excluded).
"""
import os.path as osp

import torch
import torch.nn.functional as F

from mmssl_seg.utils.benchmark import (ema_copy, normalise_views, plain_adamw,
                                       random_views, view_benchmark)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO, 'configs', 'gmml',
                          'gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')


def plain_step(model, cfg, device):
    """The GMML step written out with the model's modules (the model's own
    teacher is dropped: the loop keeps a copy of its own)."""
    vit, head, proj = model.backbone, model.head, model.contrastive_head
    if head is None or proj is None or model.teacher is None or \
            proj.criterion.form != 'moco':
        raise ValueError('the plain loop covers both losses with the MoCo '
                         'form and a momentum teacher')
    recon = head.criterion
    if not head.corrupted_only or \
            not isinstance(recon.penalty, torch.nn.L1Loss):
        raise ValueError('the plain loop covers L1 on corrupted pixels')
    channels = recon.channel
    temperature = proj.criterion.temperature
    patch = model.patch_size
    online = torch.nn.ModuleList([vit, proj])
    del model.teacher
    (t_vit, t_proj), update_teacher = ema_copy(online, cfg.model.momentum,
                                               cfg.train_cfg.max_iters)
    adamw_step = plain_adamw(model, cfg.optim_wrapper)

    def infonce(q, k):
        logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T
        labels = torch.arange(q.shape[0], device=q.device)
        return 2 * temperature * F.cross_entropy(logits / temperature,
                                                 labels)

    def step(data):
        views = normalise_views(data['inputs'], model.data_preprocessor,
                                device)
        batch = views[0].shape[0]
        grid = (views[0].shape[2] // patch, views[0].shape[3] // patch)
        corrupted = [model.corruption(v) for v in views]
        tokens = [vit(x)[-1] for x, _ in corrupted]

        # reconstruction of the corrupted pixels, L1
        recons = 0
        for t, v, (_, mask) in zip(tokens, views, corrupted):
            feats = head.fcs(t[:, -grid[0] * grid[1]:])
            pred = head.to_pixels(
                feats.transpose(1, 2).reshape(batch, -1, *grid))
            recons = recons + ((pred - v).abs() * mask).sum() / \
                mask.sum() / channels
        loss_recons = model.alpha * recons / 2

        # contrastive token: queries of the corrupted views against the
        # teacher's keys of the clean ones
        q = [proj.mlp(t[:, 0]) for t in tokens]
        with torch.no_grad():
            update_teacher()
            k = [t_proj.mlp(t_vit(v)[-1][:, 0]) for v in views]
        loss = loss_recons + (infonce(q[0], k[1]) + infonce(q[1], k[0]))

        adamw_step(loss)
        return loss

    return step


def make_batch(batch_size, size):
    """Two random uint8 views of ``batch_size`` images."""
    from mmpretrain.structures import DataSample
    return dict(
        inputs=random_views(batch_size, size),
        data_samples=[DataSample() for _ in range(batch_size)])


def main():
    view_benchmark(__file__, 'GMML', DEFAULT_CONFIG, make_batch, plain_step)


if __name__ == '__main__':
    main()
