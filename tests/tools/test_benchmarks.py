"""The step benchmarks (tools/analysis_tools/benchmark_{pretrain,sim,gmml}.py)
and their shared machinery (mmssl_seg/utils/benchmark.py), on tiny models:
the plain loops are the toolbox steps written out (same losses and weights
from the same weights and seed), and the tables print their ratio lines."""
import copy
import importlib.util
import os.path as osp
import sys
from functools import partial

import pytest
import torch

from mmssl_seg.utils import benchmark
from tests.conftest import REPO

TOOLS = osp.join(REPO, 'tools', 'analysis_tools')


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(TOOLS, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def sim():
    return _tool('benchmark_sim')


@pytest.fixture(scope='module')
def gmml():
    return _tool('benchmark_gmml')


@pytest.fixture(scope='module')
def pretrain():
    return _tool('benchmark_pretrain')


TINY_VIT = dict(
    embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def _tiny_sim_cfg(sim):
    cfg = benchmark.load_config(sim.DEFAULT_CONFIG)
    cfg.model.backbone.arch = dict(TINY_VIT)
    cfg.model.head.update(
        in_channels=32,
        embed_dims=32,
        num_heads=2,
        projector_depth=1,
        predictor_depth=1)
    return cfg


def _tiny_gmml_cfg(gmml):
    cfg = benchmark.load_config(gmml.DEFAULT_CONFIG)
    cfg.model.backbone.arch = dict(TINY_VIT)
    cfg.model.head.update(in_channels=32, hidden_channels=32)
    cfg.model.contrastive_head.update(
        in_channels=32, hidden_channels=64, out_channels=16)
    return cfg


def _losses(step, data, steps=2, seed=1):
    torch.manual_seed(seed)
    out = []
    for _ in range(steps):
        loss = step(data)
        if isinstance(loss, dict):  # train_step's log
            loss = loss['loss']
        out.append(float(loss.detach()))
    return out


def _same_weights(toolbox_model, plain_model):
    weights = dict(toolbox_model.named_parameters())
    for name, param in plain_model.named_parameters():
        torch.testing.assert_close(param, weights[name], msg=name)


def _toolbox_and_plain(tool, cfg, batch, size):
    data = tool.make_batch(batch, size)
    toolbox = benchmark.build_view_model(cfg, cfg.model.type, size, 'cpu')
    plain = benchmark.build_view_model(cfg, cfg.model.type, size, 'cpu')
    return data, toolbox, plain


def test_sim_plain_loop_is_the_toolbox_step(sim):
    cfg = _tiny_sim_cfg(sim)
    data, toolbox, plain = _toolbox_and_plain(sim, cfg, 2, 32)
    # steps 1 and 2: masking, encoder, predictor, EMA copy, UniGrad, then
    # AdamW with clipping and the cosine EMA update
    expected = _losses(benchmark.toolbox_step(toolbox, cfg), data)
    assert _losses(sim.plain_step(plain, cfg, 'cpu'), data) == \
        pytest.approx(expected, rel=1e-5)
    _same_weights(toolbox, plain)


def test_sim_comparison_sees_another_ema_momentum(sim):
    cfg = _tiny_sim_cfg(sim)
    data, toolbox, plain = _toolbox_and_plain(sim, cfg, 2, 32)
    expected = _losses(benchmark.toolbox_step(toolbox, cfg), data)
    other = copy.deepcopy(cfg)
    other.model.momentum = 0.5
    got = _losses(sim.plain_step(plain, other, 'cpu'), data)
    assert got[0] == pytest.approx(expected[0], rel=1e-5)
    assert got[1] != pytest.approx(expected[1], rel=1e-5)


def test_gmml_plain_loop_is_the_toolbox_step(gmml):
    cfg = _tiny_gmml_cfg(gmml)
    data, toolbox, plain = _toolbox_and_plain(gmml, cfg, 4, 32)
    expected = _losses(benchmark.toolbox_step(toolbox, cfg), data)
    assert _losses(gmml.plain_step(plain, cfg, 'cpu'), data) == \
        pytest.approx(expected, rel=1e-5)
    _same_weights(toolbox, plain)


def test_gmml_comparison_sees_another_corruption(gmml):
    cfg = _tiny_gmml_cfg(gmml)
    data, toolbox, plain = _toolbox_and_plain(gmml, cfg, 4, 32)
    expected = _losses(benchmark.toolbox_step(toolbox, cfg), data, steps=1)
    got = _losses(gmml.plain_step(plain, cfg, 'cpu'), data, 1, seed=2)
    assert got != pytest.approx(expected, rel=1e-5)


def test_gmml_plain_loop_refuses_the_simclr_form(gmml):
    cfg = _tiny_gmml_cfg(gmml)
    cfg.model.momentum = None
    model = benchmark.build_view_model(cfg, 'GMML', 32, 'cpu')
    with pytest.raises(ValueError, match='MoCo'):
        gmml.plain_step(model, cfg, 'cpu')


def test_pretrain_plain_loop_is_the_toolbox_step_at_another_crop(pretrain):
    cfg = benchmark.load_config(pretrain.DEFAULT_CONFIG)
    crop = (32, 48)  # not the config's: the toolbox must not pad
    data = pretrain.make_batch(2, crop)
    toolbox = pretrain.build(cfg, 'toolbox', 'cpu', crop)
    plain = pretrain.build(cfg, 'plain', 'cpu', crop)
    expected = _losses(benchmark.toolbox_step(toolbox, cfg), data)
    assert _losses(pretrain.plain_step(plain, cfg, 'cpu'), data) == \
        pytest.approx(expected, rel=1e-5)


def _result(case, step_s, batch=8, device='cpu', peak=1000., growth=50.,
            **extra):
    result = dict(
        case=case,
        batch=batch,
        step_s=step_s,
        img_s=batch / step_s,
        threads=2,
        device=device,
        peak_mb=peak,
        **extra)
    if device == 'cpu':
        result['growth_mb'] = growth
    return result


def test_pretrain_table_is_unchanged(pretrain):
    results = [
        _result('toolbox', 0.5, crop=[128, 128]),
        _result('plain', 0.45, crop=[128, 128]),
        _result('dep', 0.9, peak=1200., growth=80., crop=[128, 128]),
        _result('toolbox', 0.48, peak=1010., crop=[128, 128]),
        _result('plain', 0.46, growth=60., crop=[128, 128]),
        _result('dep', 0.95, crop=[128, 128]),
    ]
    assert pretrain.table(results, 2) == '\n'.join([
        'batch 8, crop 128x128, device cpu, 2 threads; step time: median of '
        'the timed steps after warm-up, best of 2 rounds', '',
        '| case | step (s) | images/s | peak RSS (MB) | RSS growth in steps '
        '(MB) |', '|---|---|---|---|---|',
        '| DDeP, toolbox (train_step) | 0.480 | 16.7 | 1010 | 50 |',
        '| DDeP, plain PyTorch loop | 0.450 | 17.8 | 1000 | 60 |',
        '| DeP, toolbox (train_step) | 0.900 | 8.9 | 1200 | 80 |', '',
        'toolbox overhead over the plain loop: +6.7% step time',
        'DeP / DDeP step time: 1.88x (frozen encoder: no encoder gradients, '
        'no encoder Adam state)'
    ])


@pytest.mark.parametrize('method', ['SIM', 'GMML'])
def test_sim_and_gmml_tables_are_unchanged(method):
    extra = dict(size=96, max_iters=2000)
    results = [
        _result('toolbox', 0.12, **extra),
        _result('plain', 0.1, **extra),
        _result('toolbox', 0.11, **extra),
        _result('plain', 0.105, peak=1100., **extra),
    ]
    assert benchmark.view_table(method, results, 2) == '\n'.join([
        'batch 8, 2 views of 96x96, device cpu, 2 threads; step time: median '
        'of the timed steps after warm-up, best of 2 rounds', '',
        '| case | step (s) | images/s | peak RSS (MB) | RSS growth in steps '
        '(MB) |', '|---|---|---|---|---|',
        f'| {method}, toolbox (train_step) | 0.110 | 72.7 | 1000 | 50 |',
        f'| {method}, plain PyTorch loop | 0.100 | 80.0 | 1100 | 50 |', '',
        'toolbox overhead over the plain loop: +10.0% step time',
        'toolbox at batch 8: 72.7 images/s, 2000 iterations in 4 min (data '
        'loading excluded)'
    ])


def test_cuda_table_has_one_memory_column():
    lines = benchmark.markdown_table(
        [('a', _result('toolbox', 0.5, device='cuda', peak=300.))], True)
    assert lines == [
        '| case | step (s) | images/s | peak CUDA alloc (MB) |',
        '|---|---|---|---|', '| a | 0.500 | 16.0 | 300 |'
    ]


def test_measure_step_times_the_steps_after_warm_up():
    calls = []
    result = benchmark.measure_step(calls.append, 'data', 4, warmup=2,
                                    iters=3, device='cpu')
    assert calls == ['data'] * 5
    assert result['img_s'] == pytest.approx(4 / result['step_s'])
    assert result['device'] == 'cpu'
    # the resident set read before the steps may exceed the kernel's peak
    # figure by a few pages: growth is only about >= 0
    assert -1 < result['growth_mb'] <= result['peak_mb']


def test_best_rounds_keeps_the_fastest_time_and_the_largest_memory():
    best = benchmark.best_rounds([
        _result('a', 0.2, peak=10., growth=1.),
        _result('a', 0.1, peak=5., growth=3.),
        _result('b', 0.3),
    ])
    assert (best['a']['step_s'], best['a']['img_s']) == (0.1, 80.)
    assert (best['a']['peak_mb'], best['a']['growth_mb']) == (10., 3.)
    assert best['b']['step_s'] == 0.3


def test_spawn_case_reads_the_last_result_line_and_reports_failures():
    script = ("print('RESULT {\"step_s\": 1}'); print('noise'); "
              "print('RESULT {\"step_s\": 2}')")
    assert benchmark.spawn_case([sys.executable, '-c', script],
                                'x') == dict(step_s=2)
    failing = "import sys; sys.stderr.write('boom'); sys.exit(3)"
    with pytest.raises(RuntimeError, match=r'case y failed \(3\):\nboom'):
        benchmark.spawn_case([sys.executable, '-c', failing], 'y')
    with pytest.raises(RuntimeError, match='case z failed'):
        benchmark.spawn_case([sys.executable, '-c', 'pass'], 'z')


def test_run_rounds_runs_every_case_each_round(capsys):
    results = benchmark.run_rounds(['a', 'b'], 2, lambda c: dict(case=c))
    assert [r['case'] for r in results] == ['a', 'b', 'a', 'b']
    assert 'round 2/2: timing b ...' in capsys.readouterr().out


def _parse_args(name, tool):
    if name == 'pretrain':
        return tool.parse_args
    return partial(benchmark.parse_view_args, name.upper(),
                   tool.DEFAULT_CONFIG)


def test_run_benchmark_spawns_the_cases_with_the_same_options(
        pretrain, monkeypatch, capsys):
    spawned = []

    def spawn_case(cmd, case, cwd=None):
        spawned.append((cmd, cwd))
        return dict(case=case)

    monkeypatch.setattr(benchmark, 'spawn_case', spawn_case)
    script = osp.join(TOOLS, 'benchmark_pretrain.py')
    args = pretrain.parse_args(
        ['cfg.py', '--batch-size', '2', '--crop', '32', '48', '--rounds', '2'])
    benchmark.run_benchmark(script, args, ('toolbox', 'dep'),
                            ['--crop', '32', '48'], None,
                            lambda results, rounds: f'{results} {rounds}')
    assert [cmd[4] for cmd, _ in spawned] == ['toolbox', 'dep'] * 2
    cmd, cwd = spawned[1]
    assert (cmd[:3], cwd) == ([sys.executable, script,
                               osp.abspath('cfg.py')], REPO)
    case = pretrain.parse_args(cmd[2:])
    assert (case.case, case.batch_size, case.crop, case.iters) == \
        ('dep', 2, [32, 48], 10)
    assert capsys.readouterr().out.endswith(
        f"{[dict(case=c) for c in ['toolbox', 'dep'] * 2]} 2\n")
    ran = []
    benchmark.run_benchmark(script, case, (), [], ran.append, None)
    assert ran == [case]


@pytest.mark.parametrize('name', ['sim', 'gmml', 'pretrain'])
def test_the_command_lines_check_the_timing_options(name, request):
    parse_args = _parse_args(name, request.getfixturevalue(name))
    args = parse_args(['--warmup', '0', '--iters', '1', '--device', 'cpu'])
    assert (args.warmup, args.iters, args.rounds, args.case) == \
        (0, 1, 3, None)
    assert benchmark.timing_argv(args) == [
        '--warmup', '0', '--iters', '1', '--device', 'cpu'
    ]
    with pytest.raises(SystemExit):
        parse_args(['--iters', '0'])
