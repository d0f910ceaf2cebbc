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
import argparse
import copy
import os.path as osp
import sys

import torch
import torch.nn.functional as F

from mmssl_seg.utils.benchmark import (add_timing_args, best_rounds,
                                       check_timing_args, ema_update,
                                       emit_result, is_cuda, markdown_table,
                                       measure_step, overhead_line,
                                       plain_adamw, run_rounds,
                                       schedule_line, setting_line,
                                       spawn_case, timing_argv)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO, 'configs', 'sim',
                          'sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
CASES = ('toolbox', 'plain')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='SIM pretraining config')
    parser.add_argument('--batch-size', type=int,
                        help="default: the config's train batch size")
    parser.add_argument('--size', type=int,
                        help="side of both views; default: the config's "
                        'view_size')
    add_timing_args(parser, CASES)
    args = parser.parse_args(argv)
    check_timing_args(parser, args)
    return args


def load_config(path):
    from mmengine.config import Config

    from mmssl_seg.utils import register_all_modules
    register_all_modules()
    return Config.fromfile(path)


def build(cfg, size, device):
    """The config's SIM, its encoder built for ``size``, seed 0."""
    from mmengine.logging import MessageHub

    from mmssl_seg.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    if model_cfg.type != 'SIM':
        raise ValueError(f'{cfg.filename}: needs a SIM model, got '
                         f'{model_cfg.type}')
    model_cfg.backbone.img_size = size
    # CosineEMA reads the schedule's length from the message hub
    MessageHub.get_current_instance().update_info('max_iters',
                                                  cfg.train_cfg.max_iters)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model.to(device).train()


def make_batch(batch_size, size):
    """Two random uint8 views and plausible crop boxes / flips (a 360x480
    CamVid image, overlapping crops)."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    views = [
        torch.randint(0, 256, (batch_size, 3, size, size), generator=g,
                      dtype=torch.uint8) for _ in range(2)
    ]
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
    return dict(inputs=views, data_samples=samples)


def toolbox_step(model, cfg):
    from mmengine.optim import build_optim_wrapper
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    return lambda data: model.train_step(data, wrapper)


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
    pre = model.data_preprocessor
    mean, std = pre.mean.to(device), pre.std.to(device)
    extra = vit.num_extra_tokens
    grid = vit.patch_resolution
    max_iters = cfg.train_cfg.max_iters
    base = cfg.model.get('momentum', 0.995)
    online = torch.nn.ModuleList([vit, head.projector])
    del model.target
    target = copy.deepcopy(online).requires_grad_(False)
    t_vit, t_projector = target
    params = [p for p in model.parameters() if p.requires_grad]
    adamw, clip = plain_adamw(params, cfg.optim_wrapper)
    own_pos = grid_positions(grid, device)
    state = dict(step=0)

    def step(data):
        views = [v.to(device) for v in data['inputs']]
        if pre._channel_conversion:
            views = [v[:, [2, 1, 0]] for v in views]
        x_a, x_b = [(v.float() - mean) / std for v in views]
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
            ema_update(target, online, state['step'], base, max_iters)
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

        adamw.zero_grad()
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, **clip)
        adamw.step()
        state['step'] += 1
        return loss

    return step


def run_case(args):
    """Time one case in this process; print its result as JSON."""
    cfg = load_config(args.config)
    batch_size = args.batch_size or cfg.train_dataloader.batch_size
    size = args.size or cfg.view_size
    model = build(cfg, size, args.device)
    step = plain_step(model, cfg, args.device) if args.case == 'plain' \
        else toolbox_step(model, cfg)
    data = make_batch(batch_size, size)
    torch.manual_seed(0)
    timing = measure_step(step, data, batch_size, args.warmup, args.iters,
                          args.device)
    emit_result(
        dict(
            case=args.case,
            batch=batch_size,
            size=size,
            max_iters=cfg.train_cfg.max_iters,
            **timing))


def spawn(args, case):
    cmd = [
        sys.executable,
        osp.abspath(__file__),
        osp.abspath(args.config), '--case', case, *timing_argv(args)
    ]
    if args.batch_size:
        cmd += ['--batch-size', str(args.batch_size)]
    if args.size:
        cmd += ['--size', str(args.size)]
    return spawn_case(cmd, case, cwd=REPO)


def table(results, rounds):
    res = best_rounds(results)
    first = results[0]
    size = first['size']
    names = dict(
        toolbox='SIM, toolbox (train_step)', plain='SIM, plain PyTorch loop')
    rows = [(names[case], res[case]) for case in CASES]
    lines = [
        setting_line(first, f'2 views of {size}x{size}', rounds), '',
        *markdown_table(rows, is_cuda(first)), '',
        overhead_line(res),
        schedule_line(res['toolbox'], first['max_iters'])
    ]
    return '\n'.join(lines)


def main():
    args = parse_args()
    if args.case:
        run_case(args)
        return
    results = run_rounds(CASES, args.rounds, lambda c: spawn(args, c))
    print(table(results, args.rounds))


if __name__ == '__main__':
    main()
