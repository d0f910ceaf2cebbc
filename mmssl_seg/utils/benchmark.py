"""Machinery shared by the step benchmarks of ``tools/analysis_tools``
(``benchmark_pretrain.py``, ``benchmark_sim.py``, ``benchmark_gmml.py``),
which time the toolbox's training step (:func:`toolbox_step`) against a
hand-written loop of the same modules.

A script parses its options (:func:`benchmark_parser`,
:func:`parse_benchmark_args`), and :func:`run_benchmark` runs each of its
cases in a fresh subprocess (:func:`spawn_case`), so that the case's peak
memory is its own, in rounds (:func:`run_rounds`), then prints the script's
table (:func:`report`: each case's best round). The subprocess builds the
model (:func:`load_config`, :func:`model_config`, :func:`build_model`) and
:func:`time_case` prints its timing (:func:`measure_step`) as one
``RESULT <json>`` line. SIM and GMML share one benchmark on two views
(:func:`view_benchmark`). :func:`plain_adamw`, :func:`normalise_views` and
:func:`ema_copy` are pieces of the plain loops.
"""
import argparse
import copy
import itertools
import json
import math
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
from functools import partial
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

import torch

RESULT_PREFIX = 'RESULT '

# The command line


def benchmark_parser(method: str, default_config: str):
    """The parser of the benchmark of ``method``: CONFIG and --batch-size."""
    parser = argparse.ArgumentParser(
        description=f'Speed and peak memory of a {method} pretraining step: '
        'toolbox vs plain PyTorch.')
    parser.add_argument('config', nargs='?', default=default_config,
                        help=f'{method} pretraining config')
    parser.add_argument('--batch-size', type=int,
                        help="default: the config's train batch size")
    return parser


def parse_benchmark_args(parser, cases: Sequence[str], argv=None):
    """Adds --warmup, --iters, --rounds, --device and the hidden --case to
    ``parser``; returns the parsed arguments, checked."""
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    parser.add_argument('--case', choices=cases, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warmup < 0 or args.iters < 1 or args.rounds < 1:
        parser.error('need --warmup >= 0, --iters >= 1, --rounds >= 1')
    return args


def timing_argv(args) -> List[str]:
    """The timing options of ``args`` for a case's command line."""
    return [
        '--warmup',
        str(args.warmup), '--iters',
        str(args.iters), '--device', args.device
    ]


# A case, in its subprocess


def load_config(path: str):
    """The config at ``path``, with the toolbox's modules registered."""
    from mmengine.config import Config

    from .setup_env import register_all_modules
    register_all_modules()
    return Config.fromfile(path)


def model_config(cfg, model_type: str):
    """A copy of the config's model, to adapt before :func:`build_model`.

    Raises:
        ValueError: unless the model is a ``model_type``.
    """
    model_cfg = copy.deepcopy(cfg.model)
    if model_cfg.type != model_type:
        raise ValueError(f'{cfg.filename}: needs a {model_type} model, got '
                         f'{model_cfg.type}')
    return model_cfg


def build_model(model_cfg, device: str):
    """The model of ``model_cfg``, seed 0, initialised, in train mode."""
    from mmssl_seg.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model.to(device).train()


def toolbox_step(model, cfg) -> Callable:
    """``model.train_step`` with the optim wrapper built from the config."""
    from mmengine.optim import build_optim_wrapper
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    return lambda data: model.train_step(data, wrapper)


def current_rss_mb() -> float:
    """This process's resident set now."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_step(step: Callable, data, batch_size: int, warmup: int,
                 iters: int, device: str) -> dict:
    """Runs ``step(data)`` ``warmup`` + ``iters`` times.

    Returns:
        dict: ``step_s``, the median time of the ``iters`` timed steps;
        ``img_s`` = batch_size / step_s; ``threads``; ``device``;
        ``peak_mb``: on CUDA ``torch.cuda.max_memory_allocated`` over the
        timed steps, on CPU the peak resident set of the process, with
        ``growth_mb``, its growth over the resident set just before the
        first step.
    """
    cuda = device.startswith('cuda')
    rss_start = current_rss_mb()
    times = []
    for i in range(warmup + iters):
        if i == warmup and cuda:
            torch.cuda.reset_peak_memory_stats()
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        step(data)
        if cuda:
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    result = dict(
        step_s=median,
        img_s=batch_size / median,
        threads=torch.get_num_threads(),
        device=device)
    if cuda:
        result['peak_mb'] = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = peak_rss_mb()
        result.update(peak_mb=peak, growth_mb=peak - rss_start)
    return result


def emit_result(result: dict) -> None:
    """Prints the case's result line for :func:`spawn_case`."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def time_case(args, cfg, model, plain_step: Callable, data: dict,
              **info) -> None:
    """Times ``args.case`` on ``data`` (a batch of
    ``len(data['data_samples'])`` images) with seed 0, and prints its result
    with ``info``. The case 'plain' times ``plain_step(model, cfg, device)``,
    the others :func:`toolbox_step`."""
    step = plain_step(model, cfg, args.device) if args.case == 'plain' \
        else toolbox_step(model, cfg)
    batch_size = len(data['data_samples'])
    torch.manual_seed(0)
    timing = measure_step(step, data, batch_size, args.warmup, args.iters,
                          args.device)
    emit_result(dict(case=args.case, batch=batch_size, **info, **timing))


# The rounds and the table, in the parent process


def spawn_case(cmd: Sequence[str], case: str, cwd: str = None) -> dict:
    """Runs ``cmd`` (one case) and returns its last result line.

    Raises:
        RuntimeError: if it fails or prints no result, with its stderr.
    """
    proc = subprocess.run(
        list(cmd), capture_output=True, text=True, cwd=cwd)
    found = [
        line for line in proc.stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if proc.returncode != 0 or not found:
        raise RuntimeError(f'case {case} failed ({proc.returncode}):\n'
                           f'{proc.stderr[-3000:]}')
    return json.loads(found[-1][len(RESULT_PREFIX):])


def run_rounds(cases: Iterable[str], rounds: int,
               spawn: Callable[[str], dict]) -> List[dict]:
    """``spawn(case)`` for every case, ``rounds`` times in turn."""
    cases = list(cases)
    results = []
    for i in range(rounds):
        for case in cases:
            print(f'round {i + 1}/{rounds}: timing {case} ...', flush=True)
            results.append(spawn(case))
    return results


def run_benchmark(script: str, args, cases: Sequence[str],
                  shape_argv: Sequence[str], run_case: Callable,
                  table: Callable) -> None:
    """Runs the benchmark ``script``: with ``--case``, ``run_case(args)``;
    else each of ``cases`` in a subprocess of the script with the same
    options (``shape_argv``: its shape option), ``--rounds`` times, and
    prints ``table(results, rounds)``."""
    if args.case:
        run_case(args)
        return
    script = osp.abspath(script)
    # the scripts are in tools/analysis_tools; cases run from the repository
    repo = osp.dirname(osp.dirname(osp.dirname(script)))
    options = timing_argv(args)
    if args.batch_size:
        options += ['--batch-size', str(args.batch_size)]
    options += shape_argv

    def spawn(case):
        cmd = [
            sys.executable, script,
            osp.abspath(args.config), '--case', case, *options
        ]
        return spawn_case(cmd, case, cwd=repo)

    results = run_rounds(cases, args.rounds, spawn)
    print(table(results, args.rounds))


def best_rounds(results: Iterable[dict]) -> Dict[str, dict]:
    """Per case: the fastest round's time, the largest memory figures."""
    best = {}
    for r in results:
        b = best.setdefault(r['case'], dict(r))
        if r['step_s'] < b['step_s']:
            b.update(step_s=r['step_s'], img_s=r['img_s'])
        for key in ('peak_mb', 'growth_mb'):
            if key in r:
                b[key] = max(b[key], r[key])
    return best


def is_cuda(result: dict) -> bool:
    return result['device'].startswith('cuda')


def setting_line(first: dict, shape: str, rounds: int) -> str:
    """'batch B, <shape>, device D, T threads; step time: ...'."""
    return (f"batch {first['batch']}, {shape}, device {first['device']}, "
            f"{first['threads']} threads; step time: median of the timed "
            f'steps after warm-up, best of {rounds} rounds')


def markdown_table(rows: Sequence[Tuple[str, dict]], cuda: bool) -> List[str]:
    """Lines of the table of (name, best-round result) rows."""
    mem = 'peak CUDA alloc (MB)' if cuda else \
        'peak RSS (MB) | RSS growth in steps (MB)'
    lines = [
        f'| case | step (s) | images/s | {mem} |',
        '|---|---|---|---|' + ('' if cuda else '---|')
    ]
    for name, r in rows:
        memory = f"{r['peak_mb']:.0f}" if cuda else \
            f"{r['peak_mb']:.0f} | {r['growth_mb']:.0f}"
        lines.append(f"| {name} | {r['step_s']:.3f} | {r['img_s']:.1f} | "
                     f'{memory} |')
    return lines


def overhead_line(best: Dict[str, dict],
                  case: str = 'toolbox',
                  baseline: str = 'plain') -> str:
    """'toolbox overhead over the plain loop: +x.x% step time'."""
    overhead = best[case]['step_s'] / best[baseline]['step_s'] - 1
    return (f'{case} overhead over the {baseline} loop: '
            f'{100 * overhead:+.1f}% step time')


def schedule_line(result: dict, max_iters: int, case: str = 'toolbox') -> str:
    """Images/s of ``result`` and the time of ``max_iters`` such steps."""
    minutes = max_iters * result['step_s'] / 60
    return (f"{case} at batch {result['batch']}: {result['img_s']:.1f} "
            f'images/s, {max_iters} iterations in {minutes:.0f} min (data '
            'loading excluded)')


def report(best: Dict[str, dict], first: dict, rounds: int, shape: str,
           names: Dict[str, str], last_line: str) -> str:
    """The printed table: the setting (``first``: the first result), a row
    per case of ``names`` ({case: row name}) with its ``best`` round, the
    toolbox's overhead, ``last_line``."""
    rows = [(name, best[case]) for case, name in names.items()]
    return '\n'.join([
        setting_line(first, shape, rounds), '',
        *markdown_table(rows, is_cuda(first)), '',
        overhead_line(best), last_line
    ])


# The benchmark of SIM and GMML: the toolbox and the plain loop on two views
# of ``--size`` pixels

VIEW_CASES = ('toolbox', 'plain')


def view_benchmark(script: str, model_type: str, default_config: str,
                   make_batch: Callable, plain_step: Callable) -> None:
    """Runs the benchmark ``script`` of the config's ``model_type``, a ViT
    pretrainer on two views: ``make_batch(batch_size, size)`` is its batch,
    ``plain_step(model, cfg, device)`` its plain loop."""
    args = parse_view_args(model_type, default_config)
    size_argv = ['--size', str(args.size)] if args.size else []
    run_benchmark(script, args, VIEW_CASES, size_argv,
                  partial(run_view_case, model_type, make_batch, plain_step),
                  partial(view_table, model_type))


def parse_view_args(model_type: str, default_config: str, argv=None):
    """CONFIG, --batch-size, --size and the timing options."""
    parser = benchmark_parser(model_type, default_config)
    parser.add_argument('--size', type=int,
                        help="side of both views; default: the config's "
                        'view_size')
    return parse_benchmark_args(parser, VIEW_CASES, argv)


def build_view_model(cfg, model_type: str, size: int, device: str):
    """The config's ``model_type``, its encoder built for ``size``, seed 0."""
    from mmengine.logging import MessageHub
    model_cfg = model_config(cfg, model_type)
    model_cfg.backbone.img_size = size
    # CosineEMA reads the schedule's length from the message hub
    MessageHub.get_current_instance().update_info('max_iters',
                                                  cfg.train_cfg.max_iters)
    return build_model(model_cfg, device)


def run_view_case(model_type: str, make_batch: Callable,
                  plain_step: Callable, args) -> None:
    """Times ``args.case`` on views of ``--size`` or the config's
    ``view_size``."""
    cfg = load_config(args.config)
    size = args.size or cfg.view_size
    model = build_view_model(cfg, model_type, size, args.device)
    data = make_batch(args.batch_size or cfg.train_dataloader.batch_size,
                      size)
    time_case(args, cfg, model, plain_step, data, size=size,
              max_iters=cfg.train_cfg.max_iters)


def random_views(batch_size: int, size: int) -> List[torch.Tensor]:
    """Two random uint8 views of ``batch_size`` images, seed 0."""
    g = torch.Generator().manual_seed(0)
    return [
        torch.randint(0, 256, (batch_size, 3, size, size), generator=g,
                      dtype=torch.uint8) for _ in range(2)
    ]


def view_table(model_type: str, results: Sequence[dict], rounds: int) -> str:
    """The table of the cases of ``model_type``, last the schedule's time at
    the toolbox's speed."""
    best, first = best_rounds(results), results[0]
    size = first['size']
    names = dict(
        toolbox=f'{model_type}, toolbox (train_step)',
        plain=f'{model_type}, plain PyTorch loop')
    return report(best, first, rounds, f'2 views of {size}x{size}', names,
                  schedule_line(best['toolbox'], first['max_iters']))


# Pieces of the hand-written (plain PyTorch) loops


def plain_adamw(model: torch.nn.Module, optim_wrapper: dict) -> Callable:
    """``adamw_step(loss)``: backward of ``loss`` and a step of
    ``torch.optim.AdamW`` over the trainable parameters of ``model``, set and
    clipped (by norm) as the config's ``optim_wrapper``.

    Raises:
        ValueError: for anything but a float32 ``OptimWrapper`` around
            AdamW without paramwise settings, clipping by norm.
    """
    optim = optim_wrapper['optimizer']
    if optim_wrapper.get('type', 'OptimWrapper') != 'OptimWrapper' or \
            optim['type'] not in ('AdamW', 'torch.optim.AdamW') or \
            optim_wrapper.get('paramwise_cfg'):
        raise ValueError('the plain loop is a float32 AdamW without '
                         f'paramwise settings, the config has {optim_wrapper}')
    clip = dict(optim_wrapper.get('clip_grad') or {})
    if clip.pop('type', 'norm') != 'norm':
        raise ValueError('the plain loop clips the gradient norm only')
    params = [p for p in model.parameters() if p.requires_grad]
    adamw = torch.optim.AdamW(
        params,
        lr=optim['lr'],
        betas=tuple(optim.get('betas', (0.9, 0.999))),
        eps=optim.get('eps', 1e-8),
        weight_decay=optim.get('weight_decay', 1e-2),
        amsgrad=optim.get('amsgrad', False))

    def adamw_step(loss):
        adamw.zero_grad()
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, **clip)
        adamw.step()

    return adamw_step


def normalise_views(views: Sequence[torch.Tensor], pre: torch.nn.Module,
                    device: str) -> List[torch.Tensor]:
    """uint8 ``views`` on ``device``, normalised (and their channels
    flipped) as the data preprocessor ``pre`` does."""
    views = [v.to(device) for v in views]
    if pre._channel_conversion:
        views = [v[:, [2, 1, 0]] for v in views]
    return [(v.float() - pre.mean) / pre.std for v in views]


def cosine_ema_weight(base: float, step: int, max_iters: int) -> float:
    """Weight m of the average at ``step``, rising from ``base`` to 1 on a
    cosine over ``max_iters`` (mmpretrain's ``CosineEMA``)."""
    return 1 - (1 - base) * (math.cos(math.pi * step / max_iters) + 1) / 2


@torch.no_grad()
def ema_update(average: torch.nn.Module, online: torch.nn.Module, step: int,
               base: float, max_iters: int) -> None:
    """theta' <- m theta' + (1 - m) theta with :func:`cosine_ema_weight`; a
    copy at step 0. Buffers are copied (mmengine's averaged models without
    ``update_buffers``)."""
    pairs = zip(average.parameters(), online.parameters())
    if step == 0:
        for avg, src in pairs:
            avg.copy_(src)
    else:
        m = cosine_ema_weight(base, step, max_iters)
        for avg, src in pairs:
            avg.mul_(m).add_(src, alpha=1 - m)
    for avg, src in zip(average.buffers(), online.buffers()):
        avg.copy_(src)


def ema_copy(online: torch.nn.Module, base: float,
             max_iters: int) -> Tuple[torch.nn.Module, Callable]:
    """A frozen copy of ``online``, and ``update()``, which moves the copy
    one step (:func:`ema_update`, counting the steps) towards ``online``."""
    average = copy.deepcopy(online).requires_grad_(False)
    steps = itertools.count()

    def update():
        ema_update(average, online, next(steps), base, max_iters)

    return average, update
