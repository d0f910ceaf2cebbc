"""Time and peak CPU memory of the naive and chunked pixel contrastive loss.

Each (implementation, N) case runs forward + backward in a fresh subprocess,
which reports its wall time and the growth of its peak resident set size
(``resource.getrusage(...).ru_maxrss``) over the peak it had reached before
the loss: imports and inputs are not counted. A case whose estimated memory
exceeds ``--mem-cap-gb`` is skipped with the estimate printed; the estimate
for 'naive' is bytes-per-pixel-pair times N^2, taken from the largest naive
case measured so far in the run (``--naive-bytes-per-pair`` before that).
Every subprocess also runs under an address-space limit of its size after
the imports plus the cap, so a wrong estimate ends that case, not the machine.

Example::

    python tools/analysis_tools/benchmark_pixel_contrast.py \\
        --sizes 4096 16384 65536 --channels 256 --mem-cap-gb 8
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

GB = 1024**3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+',
                        default=[4096, 16384, 65536],
                        help='numbers of pixels N (valid, all contrasted)')
    parser.add_argument('--channels', type=int, default=256)
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--chunk-size', type=int, default=1024)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per case')
    parser.add_argument('--mem-cap-gb', type=float, default=8.0,
                        help='skip cases estimated above this many GiB')
    parser.add_argument('--naive-bytes-per-pair', type=float, default=26.0,
                        help='naive memory estimate before any measurement')
    parser.add_argument('--worker', nargs=2, metavar=('IMPL', 'N'),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def _vm_size_bytes():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmSize:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('VmSize not found in /proc/self/status')


def run_worker(args):
    """One case in this process; prints a JSON line."""
    import torch

    from mmssl_seg.models.losses.pixel_contrast_loss import \
        pixel_contrast_loss
    impl, n = args.worker[0], int(args.worker[1])
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    feats = torch.randn(1, args.channels, 1, n, requires_grad=True)
    labels = torch.randint(args.num_classes, (1, 1, n))
    limit = _vm_size_bytes() + int(args.mem_cap_gb * GB)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    loss = pixel_contrast_loss(feats, labels, mode='batch', max_pixels=None,
                               impl=impl, chunk_size=args.chunk_size)
    loss.backward()
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(dict(seconds=seconds, peak_rss=rss_after,
                          delta_rss=rss_after - rss_before,
                          loss=loss.item())))


def run_case(args, impl, n):
    cmd = [
        sys.executable, os.path.abspath(__file__), '--worker', impl,
        str(n), '--channels', str(args.channels), '--num-classes',
        str(args.num_classes), '--chunk-size', str(args.chunk_size),
        '--threads', str(args.threads), '--mem-cap-gb', str(args.mem_cap_gb)
    ]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (repo, env.get('PYTHONPATH')) if p)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        if any(key in proc.stderr
               for key in ('DefaultCPUAllocator', 'MemoryError')):
            return dict(error='failed: out of memory under the cap')
        lines = proc.stderr.strip().splitlines() or ['no output']
        return dict(error=f'failed (rc {proc.returncode}): {lines[-1][:60]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def estimate_bytes(args, impl, n, naive_bytes_per_pair):
    if impl == 'naive':
        return naive_bytes_per_pair * n * n
    # About 8 float32 blocks of N x chunk plus a few N x C copies.
    return 4 * (8 * n * min(args.chunk_size, n) + 6 * n * args.channels)


def fmt_case(result):
    if 'error' in result:
        return result['error']
    return (f"{result['seconds']:8.2f} s {result['delta_rss'] / 2**20:9.0f} MB"
            f" ({result['peak_rss'] / 2**20:6.0f})")


def main():
    args = parse_args()
    if args.worker:
        run_worker(args)
        return
    cap = args.mem_cap_gb * GB
    bytes_per_pair = args.naive_bytes_per_pair
    rows = []
    for n in sorted(args.sizes):
        row = dict(n=n)
        for impl in ('naive', 'chunked'):
            est = estimate_bytes(args, impl, n, bytes_per_pair)
            if est > cap:
                row[impl] = dict(error=f'skipped: est. {est / GB:.1f} GiB > '
                                 f'cap {args.mem_cap_gb:g} GiB')
            else:
                row[impl] = run_case(args, impl, n)
            if impl == 'naive' and 'delta_rss' in row[impl]:
                bytes_per_pair = row[impl]['delta_rss'] / n**2
            print(f'N={n} {impl}: {fmt_case(row[impl])}', flush=True)
        rows.append(row)

    print(f'\nforward+backward, C={args.channels}, chunk_size='
          f'{args.chunk_size}, {args.threads} thread(s); memory = growth of '
          'peak RSS during the loss (whole-process peak RSS in brackets)')
    header = (f"{'N':>6} | {'naive: time, memory':<36} | "
              f"{'chunked: time, memory':<36} | {'time x':>6} | "
              f"{'memory x':>8} | {'|loss diff|':>11}")
    print(header)
    print('-' * len(header))
    for row in rows:
        naive, chunked = row['naive'], row['chunked']
        both = 'seconds' in naive and 'seconds' in chunked
        ratios = (f"{naive['seconds'] / chunked['seconds']:6.2f} | "
                  f"{naive['delta_rss'] / chunked['delta_rss']:8.1f} | "
                  f"{abs(naive['loss'] - chunked['loss']):11.2e}"
                  if both else f"{'-':>6} | {'-':>8} | {'-':>11}")
        print(f"{row['n']:>6} | {fmt_case(naive):<36} | "
              f"{fmt_case(chunked):<36} | {ratios}")


if __name__ == '__main__':
    main()
