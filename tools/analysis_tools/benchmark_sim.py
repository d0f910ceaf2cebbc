"""Speed and peak memory of a SIM pretraining step: toolbox vs plain PyTorch.

    python tools/analysis_tools/benchmark_sim.py [CONFIG] \
        [--batch-size 8] [--size 96] [--warmup 3] [--iters 10] [--rounds 3]

Two cases, each in a fresh subprocess so that its peak memory is its own:

* ``toolbox``: the config's :class:`SIM` through ``model.train_step`` with
  the optim wrapper built from the config (data preprocessor, masking,
  visible-token encoder, :class:`SIMHead`, ``CosineEMA`` target branch,
  :class:`UniGradLoss`, ``OptimWrapper.update_params`` with clipping);
* ``plain``: the same modules (same weights) in a hand-written loop:
  normalise, mask with the model's masking module, patch embedding +
  position embedding, drop the masked tokens, class token, blocks, final
  norm, projector, predictor input with the relative position embedding,
  predictor; target branch as a manual EMA (cosine momentum) of a deep copy
  of (encoder, projector), its forward and a non-affine LayerNorm; UniGrad
  (global + dense) written out; ``torch.optim.AdamW`` with the config's
  lr, betas, weight decay and gradient clipping.

Both take the same random uint8 batch of two views of ``--size`` pixels
(default: the config's ``view_size``) with fixed crop boxes and flips every
step; the encoder is built for that size. The global seed is 0 when the
steps start, so both draw the same masks. Warm-up steps are excluded; a
case's step time is the median over its timed steps. The cases run one
after the other in ``--rounds`` rounds, and the table gives each case's
fastest round, images/s = batch / step time (an image is a pair of views),
and memory: on CPU the process's peak resident set
(``resource.getrusage().ru_maxrss``, interpreter, libraries and model
included) and its growth over the resident set just before the first step;
on CUDA ``torch.cuda.max_memory_allocated``. The last line is the step time
of the config's schedule at the toolbox's speed (data loading excluded).
"""
import os.path as osp

import torch
import torch.nn.functional as F

from mmssl_seg.utils.benchmark import (ema_copy, normalise_views, plain_adamw,
                                       random_views, view_benchmark)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO, 'configs', 'sim',
                          'sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')


def unigrad(p, t, neg_weight):
    """UniGrad of rows p (M, C) against targets t (no gradient)."""
    cov = t.T @ t / t.shape[0]
    pos = (p - t).pow(2).sum(-1).mean()
    neg = ((p @ cov) * p).sum(-1).mean()
    return (pos + neg_weight * neg) / p.shape[1]


def plain_step(model, cfg, device):
    """The SIM step written out with the model's modules (the model's own
    target branch is dropped: the loop keeps a copy of its own)."""
    from mmssl_seg.models.utils.relative_position import (
        grid_positions, relative_patch_positions)
    vit, head, masking = model.backbone, model.head, model.masking
    if vit.cls_token is None or not vit.final_norm or \
            vit.drop_after_pos.p or \
            not isinstance(vit.pre_norm, torch.nn.Identity):
        raise ValueError('the plain loop covers a ViT with a class token, '
                         'a final norm, no pre-norm and no dropout')
    crit = head.loss_module
    extra = vit.num_extra_tokens
    grid = vit.patch_resolution
    online = torch.nn.ModuleList([vit, head.projector])
    del model.target
    (t_vit, t_projector), update_target = ema_copy(
        online, cfg.model.get('momentum', 0.995), cfg.train_cfg.max_iters)
    adamw_step = plain_adamw(model, cfg.optim_wrapper)
    own_pos = grid_positions(grid, device)

    def step(data):
        x_a, x_b = normalise_views(data['inputs'], model.data_preprocessor,
                                   device)
        samples = data['data_samples']
        boxes = torch.stack([torch.as_tensor(s.crop_boxes)
                             for s in samples]).float().to(device)
        flips = torch.stack([torch.as_tensor(s.flips)
                             for s in samples]).bool().to(device)
        batch = x_a.shape[0]
        mask = masking(batch, grid, device=device)

        # online encoder on the visible patches of view a
        patches, _ = vit.patch_embed(x_a)
        dims = patches.shape[-1]
        patches = patches + vit.pos_embed[:, extra:]
        visible = patches[~mask].reshape(batch, -1, dims)
        cls = vit.cls_token.expand(batch, -1, -1) + vit.pos_embed[:, :extra]
        tokens = torch.cat([cls, visible], dim=1)
        for layer in vit.layers:
            tokens = layer(tokens)
        tokens = head.projector(vit.ln1(tokens))

        # predictor: projected tokens at their positions, mask tokens at
        # view b's patches in view a's frame
        target_pos, log_scale = relative_patch_positions(
            boxes[:, 0], boxes[:, 1], flips[:, 0], flips[:, 1], grid)
        visible_pos = own_pos.expand(batch, -1, -1)[~mask].reshape(
            batch, -1, 2)
        cls_p, vis_p = tokens[:, :extra], tokens[:, extra:]
        vis_p = vis_p + head.position_embed(visible_pos,
                                            torch.zeros_like(log_scale))
        masked = head.mask_token + head.position_embed(target_pos, log_scale)
        pred = head.predictor(torch.cat([cls_p, vis_p, masked], dim=1))
        pred = pred[:, -target_pos.shape[1]:]

        # target branch: EMA of (encoder, projector) on view b
        with torch.no_grad():
            update_target()
            t = t_projector(t_vit(x_b)[-1])[:, extra:]
            t = F.layer_norm(t, t.shape[-1:])

        # UniGrad: global (mean tokens) and dense (centred tokens)
        loss = 0
        if crit.global_weight > 0:
            loss = loss + crit.global_weight * unigrad(
                pred.mean(1), t.mean(1), crit.neg_weight)
        if crit.dense_weight > 0:
            p_d, t_d = pred, t
            if crit.center_dense:
                p_d = p_d - p_d.mean(1, keepdim=True)
                t_d = t_d - t_d.mean(1, keepdim=True)
            loss = loss + crit.dense_weight * unigrad(
                p_d.flatten(0, 1), t_d.flatten(0, 1), crit.neg_weight)

        adamw_step(loss)
        return loss

    return step


def make_batch(batch_size, size):
    """Two random uint8 views and plausible crop boxes / flips (a 360x480
    CamVid image, overlapping crops)."""
    from mmpretrain.structures import DataSample
    samples = []
    for i in range(batch_size):
        sample = DataSample()
        sample.set_metainfo(
            dict(
                crop_boxes=torch.tensor(
                    [[20. + 4 * i, 40. + 6 * i, 280., 320.],
                     [80. + 3 * i, 120. - 5 * i, 200., 260.]]),
                flips=torch.tensor([False, i % 2 == 1])))
        samples.append(sample)
    return dict(inputs=random_views(batch_size, size), data_samples=samples)


def main():
    view_benchmark(__file__, 'SIM', DEFAULT_CONFIG, make_batch, plain_step)


if __name__ == '__main__':
    main()
