"""Time and peak memory of UniGrad vs InfoNCE over the same M tokens.

UniGrad (``mmssl_seg.models.losses.unigrad``) uses a C x C covariance of the
targets, so its cost is O(M C^2) time and O(M C + C^2) memory. The InfoNCE
here is the usual token-level contrastive loss over the same M (pred, target)
pairs: logits = normalize(p) normalize(t)^T / tau, an (M, M) matrix, cross
entropy with the positives on the diagonal; O(M^2 C) time, O(M^2) memory.
In both the target is detached (a Siamese/teacher target).

Each (loss, M) case runs in a fresh subprocess: ``--warmup`` untimed runs,
then ``--repeats`` timed forward + backward runs (the median is reported).
Memory on CPU is the growth of the subprocess's peak resident set size
(``resource.getrusage(...).ru_maxrss``) over the peak reached just before the
first run, so imports and inputs are not counted; sizes below a few MiB are
at the resolution of the allocator. With ``--device cuda`` it is
``torch.cuda.max_memory_allocated()`` over the memory allocated before. An
InfoNCE case whose estimate (bytes per pair times M^2, from the last InfoNCE
case measured with M >= 4096, else ``--infonce-bytes-per-pair``) exceeds
``--mem-cap-gb`` is skipped; on CPU each subprocess also runs under an
address-space limit of its size plus the cap, so a wrong estimate ends that
case, not the machine.

Example::

    python tools/analysis_tools/benchmark_unigrad.py \\
        --sizes 256 1024 4096 16384 32768 --channels 256 --threads 2
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

GB = 1024**3
MIB = 1024**2
LOSSES = ('unigrad', 'infonce')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--sizes',
        type=int,
        nargs='+',
        default=[256, 1024, 4096, 16384, 32768],
        help='numbers of tokens M')
    parser.add_argument('--channels', type=int, default=256, help='C')
    parser.add_argument('--neg-weight', type=float, default=0.02,
                        help='lambda of UniGrad')
    parser.add_argument('--temperature', type=float, default=0.2,
                        help='tau of InfoNCE')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--threads', type=int, default=1,
                        help='torch.set_num_threads in each case')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed runs per case')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed runs per case before the timed ones')
    parser.add_argument('--mem-cap-gb', type=float, default=16.0,
                        help='skip InfoNCE cases estimated above this')
    parser.add_argument('--infonce-bytes-per-pair', type=float, default=12.0,
                        help='InfoNCE memory estimate before any measurement')
    parser.add_argument('--out', help='also write the results to this JSON')
    parser.add_argument('--worker', nargs=2, metavar=('LOSS', 'M'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeats < 1 or args.warmup < 0 or args.threads < 1:
        parser.error('need --repeats >= 1, --warmup >= 0, --threads >= 1')
    return args


def _vm_size_bytes():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmSize:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('VmSize not found in /proc/self/status')


def _max_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_worker(args):
    """One case in this process; prints a JSON line."""
    import torch
    import torch.nn.functional as F

    name, m = args.worker[0], int(args.worker[1])
    if name == 'unigrad':
        from mmssl_seg.models.losses.unigrad_loss import unigrad

        def loss_fn(p, t):
            return unigrad(p, t, args.neg_weight)
    else:

        def loss_fn(p, t):
            # 1/tau folded into p: one (M, M) tensor less
            logits = (F.normalize(p, dim=1) / args.temperature
                      ) @ F.normalize(t, dim=1).T
            labels = torch.arange(p.shape[0], device=p.device)
            return F.cross_entropy(logits, labels)

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == 'cuda'
    torch.manual_seed(0)
    pred = torch.randn(m, args.channels, device=device, requires_grad=True)
    target = torch.randn(m, args.channels, device=device)

    def step(p, t):
        p.grad = None
        loss = loss_fn(p, t.detach())
        loss.backward()
        return loss

    # load the kernels and autograd once on tiny inputs, outside the measure
    step(pred[:8].detach().requires_grad_(True), target[:8])
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        limit = _vm_size_bytes() + int(args.mem_cap_gb * GB)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        base = _max_rss_bytes()
    times = []
    for i in range(args.warmup + args.repeats):
        start = time.perf_counter()
        loss = step(pred, target)
        if cuda:
            torch.cuda.synchronize()
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    peak = (torch.cuda.max_memory_allocated() if cuda else _max_rss_bytes())
    print(
        json.dumps(
            dict(ms=1000 * statistics.median(times),
                 peak_bytes=peak - base,
                 loss=loss.item())))


def run_case(args, name, m):
    cmd = [
        sys.executable,
        os.path.abspath(__file__), '--worker', name,
        str(m), '--channels',
        str(args.channels), '--neg-weight',
        str(args.neg_weight), '--temperature',
        str(args.temperature), '--device', args.device, '--threads',
        str(args.threads), '--repeats',
        str(args.repeats), '--warmup',
        str(args.warmup), '--mem-cap-gb',
        str(args.mem_cap_gb)
    ]
    repo = os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (repo, env.get('PYTHONPATH')) if p)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        if any(key in proc.stderr for key in ('DefaultCPUAllocator',
                                              'MemoryError', 'out of memory')):
            return dict(error='out of memory')
        lines = proc.stderr.strip().splitlines() or ['no output']
        return dict(error=f'rc {proc.returncode}: {lines[-1][:40]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ratio(num, den):
    if num is None or den is None or den <= 0:
        return None
    return num / den


def first_crossover(rows, key):
    """Smallest M from which InfoNCE costs more than UniGrad in ``key`` at
    every larger measured M too; None if it does not at the largest M."""
    crossover = None
    for row in reversed(rows):
        u, i = row['unigrad'].get(key), row['infonce'].get(key)
        if u is None or i is None:
            if i is None and 'skipped' in row['infonce'].get('error', ''):
                continue  # skipped for its size: larger than UniGrad
            break
        if i <= u:
            break
        crossover = row['m']
    return crossover


def _fmt(value, spec):
    width = int(spec.split('.')[0])
    return '-'.rjust(width) if value is None else format(value, spec)


def print_table(args, rows):
    time_x = first_crossover(rows, 'ms')
    mem_x = first_crossover(rows, 'peak_bytes')
    mem_name = ('CUDA max_memory_allocated'
                if args.device == 'cuda' else 'peak RSS growth')
    print(f'\nforward+backward on {args.device}, C={args.channels}, '
          f'{args.threads} thread(s), median of {args.repeats} run(s); '
          f'memory = {mem_name}; ratio = InfoNCE / UniGrad')
    header = (f"{'M':>7} | {'unigrad ms':>10} | {'infonce ms':>10} | "
              f"{'ratio':>7} | {'unigrad MiB':>11} | {'infonce MiB':>11} | "
              f"{'ratio':>7} | note")
    print(header)
    print('-' * len(header))
    for row in rows:
        u, i = row['unigrad'], row['infonce']
        u_mib = None if 'peak_bytes' not in u else u['peak_bytes'] / MIB
        i_mib = None if 'peak_bytes' not in i else i['peak_bytes'] / MIB
        notes = []
        if row['m'] == time_x:
            notes.append('<- time crossover')
        if row['m'] == mem_x:
            notes.append('<- memory crossover')
        notes += [
            f'{name}: {case["error"]}' for name, case in row.items()
            if name in LOSSES and 'error' in case
        ]
        print(f"{row['m']:>7} | {_fmt(u.get('ms'), '10.2f')} | "
              f"{_fmt(i.get('ms'), '10.2f')} | "
              f"{_fmt(_ratio(i.get('ms'), u.get('ms')), '7.2f')} | "
              f"{_fmt(u_mib, '11.1f')} | {_fmt(i_mib, '11.1f')} | "
              f"{_fmt(_ratio(i_mib, u_mib), '7.1f')} | {', '.join(notes)}")
    for what, m in (('time', time_x), ('memory', mem_x)):
        if m is None:
            where = 'not at the largest M measured'
        elif m == rows[0]['m']:
            where = f'at every M measured (from M = {m})'
        else:
            where = f'from M = {m} on'
        print(f'InfoNCE costs more {what} than UniGrad: {where}')


def main():
    args = parse_args()
    if args.worker:
        run_worker(args)
        return
    bytes_per_pair = args.infonce_bytes_per_pair
    rows = []
    for m in sorted(set(args.sizes)):
        row = dict(m=m)
        for name in LOSSES:
            estimate = bytes_per_pair * m * m
            if name == 'infonce' and estimate > args.mem_cap_gb * GB:
                row[name] = dict(error=f'skipped, est. {estimate / GB:.3g} '
                                 f'GiB > cap {args.mem_cap_gb:g} GiB')
            else:
                row[name] = run_case(args, name, m)
            # learn from cases whose (M, M) logits dwarf allocator noise
            if (name == 'infonce' and 'peak_bytes' in row[name]
                    and 4 * m * m >= 64 * MIB):
                bytes_per_pair = row[name]['peak_bytes'] / m**2
            case = row[name]
            status = case.get('error') or (
                f"{case['ms']:.2f} ms, {case['peak_bytes'] / MIB:.1f} MiB")
            print(f'M={m} {name}: {status}', flush=True)
        rows.append(row)
    print_table(args, rows)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(args=vars(args), rows=rows), f, indent=2)


if __name__ == '__main__':
    main()
