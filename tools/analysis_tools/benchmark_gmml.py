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
DEFAULT_CONFIG = osp.join(REPO, 'configs', 'gmml',
                          'gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
CASES = ('toolbox', 'plain')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='GMML pretraining config')
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
    """The config's GMML, its encoder built for ``size``, seed 0."""
    from mmengine.logging import MessageHub

    from mmssl_seg.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    if model_cfg.type != 'GMML':
        raise ValueError(f'{cfg.filename}: needs a GMML model, got '
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
    """Two random uint8 views of ``batch_size`` images."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    views = [
        torch.randint(0, 256, (batch_size, 3, size, size), generator=g,
                      dtype=torch.uint8) for _ in range(2)
    ]
    return dict(
        inputs=views, data_samples=[DataSample() for _ in range(batch_size)])


def toolbox_step(model, cfg):
    from mmengine.optim import build_optim_wrapper
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    return lambda data: model.train_step(data, wrapper)


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
    pre = model.data_preprocessor
    mean, std = pre.mean.to(device), pre.std.to(device)
    patch = model.patch_size
    max_iters = cfg.train_cfg.max_iters
    base = cfg.model.momentum
    online = torch.nn.ModuleList([vit, proj])
    del model.teacher
    teacher = copy.deepcopy(online).requires_grad_(False)
    t_vit, t_proj = teacher
    params = [p for p in model.parameters() if p.requires_grad]
    adamw, clip = plain_adamw(params, cfg.optim_wrapper)
    state = dict(step=0)

    def infonce(q, k):
        logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T
        labels = torch.arange(q.shape[0], device=q.device)
        return 2 * temperature * F.cross_entropy(logits / temperature,
                                                 labels)

    def step(data):
        views = [v.to(device) for v in data['inputs']]
        if pre._channel_conversion:
            views = [v[:, [2, 1, 0]] for v in views]
        views = [(v.float() - mean) / std for v in views]
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
            ema_update(teacher, online, state['step'], base, max_iters)
            k = [t_proj.mlp(t_vit(v)[-1][:, 0]) for v in views]
        loss = loss_recons + (infonce(q[0], k[1]) + infonce(q[1], k[0]))

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
        toolbox='GMML, toolbox (train_step)',
        plain='GMML, plain PyTorch loop')
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
