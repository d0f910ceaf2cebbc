"""Speed and peak memory of a DDeP pretraining step: toolbox vs plain PyTorch.

    python tools/analysis_tools/benchmark_pretrain.py [CONFIG] \
        [--batch-size 8] [--crop 128 128] [--warmup 3] [--iters 10] \
        [--rounds 3]

Three cases, each in a fresh subprocess so that its peak memory is its own:

* ``toolbox``: the config's :class:`DenoisingPretrainer` (frozen encoder)
  through ``model.train_step`` with the optim wrapper built from the config
  (data preprocessor, noise module, loss, ``OptimWrapper.update_params``);
* ``plain``: the same backbone / decode head / head conv modules (same
  weights) in a hand-written loop: normalise, add noise, forward, MSE,
  backward, ``torch.optim.Adam`` step;
* ``dep``: the toolbox step with ``frozen_slots=()`` (DeP: encoder
  gradients and Adam state too).

The same random uint8 batch is used every step (the data preprocessor pads
to ``--crop``, not to the config's size); the global seed is 0 when the
steps start, so the cases draw the same noise. Warm-up steps are excluded;
a case's step time is the median over its timed steps. The three cases run
one after the other in ``--rounds`` rounds, and the table gives each case's
fastest round (least disturbed by other work on the machine), images/s =
batch / step time, and memory. On CPU, memory is the process's peak resident
set (``resource.getrusage().ru_maxrss``, which includes the interpreter, the
libraries and the model) and its growth over the resident set measured just
before the first step; on CUDA, ``torch.cuda.max_memory_allocated``.
"""
import os.path as osp

import torch

from mmssl_seg.utils.benchmark import (benchmark_parser, best_rounds,
                                       build_model, load_config,
                                       model_config, parse_benchmark_args,
                                       report, run_benchmark, time_case)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(
    REPO, 'configs', 'ddep',
    'ddep_effnetlite0-unet0.25x_1xb8-400i_camvid-128x128.py')
# the cases and their rows in the table
NAMES = dict(
    toolbox='DDeP, toolbox (train_step)',
    plain='DDeP, plain PyTorch loop',
    dep='DeP, toolbox (train_step)')
CASES = tuple(NAMES)


def parse_args(argv=None):
    parser = benchmark_parser('DDeP', DEFAULT_CONFIG)
    parser.add_argument('--crop', type=int, nargs=2, metavar=('H', 'W'),
                        help="default: the config's crop_size")
    return parse_benchmark_args(parser, CASES, argv)


def build(cfg, case, device, crop=None):
    """The config's DDeP (DeP for ``case`` 'dep'), padding to ``crop``."""
    model_cfg = model_config(cfg, 'DenoisingPretrainer')
    if crop is not None and 'size' in model_cfg.data_preprocessor:
        # else the toolbox pads another crop to the config's size
        model_cfg.data_preprocessor.size = tuple(crop)
    if case == 'dep':
        model_cfg.frozen_slots = ()
    return build_model(model_cfg, device)


def make_batch(batch_size, crop):
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    inputs = [
        torch.randint(0, 256, (3, *crop), generator=g, dtype=torch.uint8)
        for _ in range(batch_size)
    ]
    samples = []
    for _ in range(batch_size):
        sample = SegDataSample()
        sample.set_metainfo(dict(img_shape=crop, ori_shape=crop))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def plain_step(model, cfg, device):
    """The DDeP step written out with the model's modules."""
    if model.frozen_slots != ('backbone', ):
        raise ValueError('the plain loop is the frozen-encoder (DDeP) step')
    noise = model.noise
    if noise.random_gamma or model.noise_film is not None:
        raise ValueError('the plain loop covers a fixed gamma without noise '
                         'conditioning only')
    pre = model.data_preprocessor
    mean, std = pre.mean.to(device), pre.std.to(device)
    gamma = torch.tensor(noise.gamma, device=device)
    backbone, decoder, out_conv = model.backbone, model.decode_head, \
        model.head.conv
    params = [p for p in model.parameters() if p.requires_grad]
    optim = cfg.optim_wrapper.optimizer
    if optim.type != 'Adam':
        raise ValueError(f'the plain loop uses Adam, the config {optim.type}')
    adam = torch.optim.Adam(
        params,
        lr=optim.lr,
        betas=optim.get('betas', (0.9, 0.999)),
        weight_decay=optim.get('weight_decay', 0))

    def step(data):
        x = torch.stack(data['inputs']).to(device).float()
        if pre.channel_conversion:
            x = x[:, [2, 1, 0]]
        x = (x - mean) / std
        eps = torch.randn_like(x)
        if noise.mode == 'scaled':
            noisy = gamma.sqrt() * x + (1 - gamma).sqrt() * eps
        else:
            noisy = x + ((1 - gamma) / gamma).sqrt() * eps
        with torch.no_grad():
            feats = backbone(noisy)
        pred = out_conv(decoder.forward_features(feats))
        target = eps if model.target == 'noise' else x
        loss = torch.nn.functional.mse_loss(pred, target)
        adam.zero_grad()
        loss.backward()
        adam.step()
        return loss

    return step


def run_case(args):
    """Times ``args.case`` on crops of ``--crop`` or the config's size."""
    cfg = load_config(args.config)
    crop = tuple(args.crop or cfg.crop_size)
    model = build(cfg, args.case, args.device, crop)
    data = make_batch(args.batch_size or cfg.train_dataloader.batch_size,
                      crop)
    time_case(args, cfg, model, plain_step, data, crop=crop)


def table(results, rounds):
    best, first = best_rounds(results), results[0]
    crop = f"crop {first['crop'][0]}x{first['crop'][1]}"
    ratio = best['dep']['step_s'] / best['toolbox']['step_s']
    return report(
        best, first, rounds, crop, NAMES,
        f'DeP / DDeP step time: {ratio:.2f}x (frozen encoder: no encoder '
        'gradients, no encoder Adam state)')


def main():
    args = parse_args()
    crop_argv = ['--crop', *map(str, args.crop)] if args.crop else []
    run_benchmark(__file__, args, CASES, crop_argv, run_case, table)


if __name__ == '__main__':
    main()
