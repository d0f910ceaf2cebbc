"""Machinery shared by the step benchmarks of ``tools/analysis_tools``
(``benchmark_pretrain.py``, ``benchmark_sim.py``, ``benchmark_gmml.py``).

A benchmark script runs each case in a fresh subprocess (:func:`spawn_case`)
so that the case's peak memory is its own. The subprocess times its training
step with :func:`measure_step` and prints one ``RESULT <json>`` line
(:func:`emit_result`). The parent runs all cases in rounds
(:func:`run_rounds`), keeps each case's best round (:func:`best_rounds`)
and prints a markdown table (:func:`setting_line`, :func:`markdown_table`,
:func:`overhead_line`, :func:`schedule_line`). :func:`plain_adamw` and
:func:`ema_update` are pieces of the hand-written loops the toolbox steps are
compared with.
"""
import argparse
import json
import math
import resource
import statistics
import subprocess
import time
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

import torch

RESULT_PREFIX = 'RESULT '


def add_timing_args(parser, cases: Sequence[str]) -> None:
    """--warmup, --iters, --rounds, --device and the hidden --case."""
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    parser.add_argument('--case', choices=cases, help=argparse.SUPPRESS)


def check_timing_args(parser, args) -> None:
    if args.warmup < 0 or args.iters < 1 or args.rounds < 1:
        parser.error('need --warmup >= 0, --iters >= 1, --rounds >= 1')


def timing_argv(args) -> List[str]:
    """The timing options of ``args`` for a case's command line."""
    return [
        '--warmup',
        str(args.warmup), '--iters',
        str(args.iters), '--device', args.device
    ]


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


# Pieces of the hand-written (plain PyTorch) loops


def plain_adamw(params, optim_wrapper: dict):
    """``torch.optim.AdamW`` set as the config's ``optim_wrapper``, and the
    keyword arguments of its ``clip_grad_norm_`` (empty: no clipping).

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
    adamw = torch.optim.AdamW(
        params,
        lr=optim['lr'],
        betas=tuple(optim.get('betas', (0.9, 0.999))),
        eps=optim.get('eps', 1e-8),
        weight_decay=optim.get('weight_decay', 1e-2),
        amsgrad=optim.get('amsgrad', False))
    clip = dict(optim_wrapper.get('clip_grad') or {})
    if clip.pop('type', 'norm') != 'norm':
        raise ValueError('the plain loop clips the gradient norm only')
    return adamw, clip


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
