"""Pretraining chains on real CamVid images: slots move, runs are kept."""
import json
import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from mmssl_seg.apis import ChainRunner, chain, read_chain
from mmssl_seg.registry import MODELS
from tests.conftest import REPO

DDEP = ('configs/ddep/benchmarks/ddep-finetune_effnetlite0-unet0.25x_'
        '1xb8-250i_camvid-128x160.py')
UNET = ('configs/supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_'
        'camvid-128x160.py')
CONTRAST = ('configs/pixel_contrast/benchmarks/pixelcontrast-single-finetune_'
            'effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py')
THREE_STAGES = ('configs/chains/ddep-pixelcontrast-finetune_effnetlite0-'
                'unet0.25x_1xb8-250i_camvid-176x240.py')
TWO_SOURCES = ('configs/chains/dep-encoder-ddep-decoder-finetune_'
               'effnetlite0-unet0.25x_1xb8-250i_camvid-176x240.py')
PSEUDO = ('configs/pixel_contrast/benchmarks/pixelcontrast-single-finetune-'
          'pseudo{}_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py')
TEACHER = ('pixelcontrast-single-finetune_effnetlite0-unet0.25x_1xb8-250i_'
           'camvid-128x160')

# every stage: 2 iterations of batch 2, no workers, one val image
TINY = [
    'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
    'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
    'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False',
    'test_dataloader.dataset.indices=1', 'val_dataloader.dataset.indices=1',
    'default_hooks.logger.interval=1', 'custom_hooks=[]'
]
CRASH_HOOK = '''import os

from mmengine.runner import IterBasedTrainLoop

_run_iter = IterBasedTrainLoop.run_iter


def run_iter(self, data_batch):
    """Ends the process after iteration 1 of the stage named in $CRASH_IN
    (its checkpoint written), as a kill would."""
    _run_iter(self, data_batch)
    stage = os.environ.get('CRASH_IN')
    if stage and f'/{stage}/' in self.runner.work_dir and self.iter == 1:
        os._exit(3)


IterBasedTrainLoop.run_iter = run_iter
'''


def _chain(tool, config, work, *extra, env=None):
    run = tool(['python', 'tools/run_chain.py', config, '--work-dir',
                str(work), '--fraction', '0.02', '--seed', '0',
                '--cfg-options', *TINY, *extra], env=env)
    return run


def _run_dir(work, name):
    dirs = sorted((work / name).iterdir(), key=osp.getmtime)
    return dirs[-1]


def _done(run_dir):
    with open(run_dir / 'done.json') as f:
        return json.load(f)


def _state(checkpoint):
    return torch.load(checkpoint, map_location='cpu')['state_dict']


def _start_of(run_dir):
    """The model of a run as it starts: its resolved config, initialised
    as the Runner does (slots loaded from the stages before)."""
    cfg = Config.fromfile(str(run_dir / 'stage_config.py'),
                          import_custom_modules=False)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.state_dict(), cfg


def _fresh(cfg):
    cfg = cfg.copy()
    cfg.model.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.state_dict()


def _assert_slot(start, source, slot, prefix=None):
    prefix = prefix or slot
    keys = [k for k in start
            if k.startswith(slot + '.') and 'conv_seg' not in k]
    assert keys, slot
    for key in keys:
        src = prefix + key[len(slot):]
        assert torch.equal(start[key], source[src]), key


def test_chains_are_read_and_checked():
    names = [(s.name, s.per_split, s.slots) for s in read_chain(THREE_STAGES)]
    assert names[:2] == [
        ('ddep', False, {}),
        ('contrast', True, {'decode_head': ('ddep', 'decode_head.')})]
    assert names[2][2] == {'backbone': ('contrast', 'backbone.'),
                           'decode_head': ('contrast', 'decode_head.')}


@pytest.mark.parametrize('body,match', [
    ("pretrain_stages = [dict(name='a', config='nope.py')]",
     'stage config not found: nope.py'),
    ("slots = dict(backbone='nope')", "stage 'nope', which is not an "
     'earlier stage'),
    (f"pretrain_stages = [dict(name='a', config='{CONTRAST}', "
     "per_split=True), dict(name='b', config='" + DDEP + "', "
     "slots=dict(backbone='a'))]\nslots = dict(_delete_=True)",
     'set per_split=True'),
    (f"pretrain_stages = [dict(name='a', config='{DDEP}', split=1)]",
     'needs name and config'),
])
def test_bad_chains_are_clear_errors(tmp_path, body, match):
    config = tmp_path / 'bad.py'
    config.write_text(f"_base_ = ['{osp.join(REPO, DDEP)}']\n{body}\n")
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with pytest.raises((ValueError, FileNotFoundError), match=match):
            read_chain(str(config))
    finally:
        os.chdir(cwd)


def test_bad_split_is_refused_before_training(tmp_path):
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with pytest.raises(ValueError, match='label fraction'):
            ChainRunner(DDEP, str(tmp_path), '2', 0)
    finally:
        os.chdir(cwd)
    assert not list(tmp_path.iterdir())


def test_chain_a_ddep_decoder_then_cross_entropy(camvid_root, tmp_path, tool):
    work = tmp_path / 'a'
    run = _chain(tool, DDEP, work)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert 'val mIoU' in run.stdout
    ddep = _state(_done(_run_dir(work, 'ddep'))['checkpoint'])
    final = _run_dir(work, osp.splitext(osp.basename(DDEP))[0])
    start, cfg = _start_of(final)
    _assert_slot(start, ddep, 'decode_head')
    fresh = _fresh(cfg)  # the backbone is not transferred: ImageNet
    for key, value in start.items():
        if key.startswith('backbone.'):
            assert torch.equal(value, fresh[key]), key
    # the user's options reached the pretraining stage too
    stage_cfg = Config.fromfile(
        str(_run_dir(work, 'ddep') / 'stage_config.py'))
    assert stage_cfg.train_cfg.max_iters == 2
    assert osp.isfile(_run_dir(work, 'ddep') / 'iter_2.pth')
    log = (final / 'run.log').read_text()
    assert "slot 'decode_head' from" in log and 'keys loaded' in log


def test_chain_b_pixel_contrast_then_cross_entropy(
        camvid_root, tmp_path, tool):
    work = tmp_path / 'b'
    run = _chain(tool, CONTRAST, work)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    stage = _run_dir(work, 'contrast')
    assert stage.name.startswith('frac0.02_seed0-')  # per label split
    with open(stage / 'labelled_split.txt') as f:
        assert len(f.read().split()) == 7
    contrast = _state(_done(stage)['checkpoint'])
    assert any(k.startswith('head.projector.') for k in contrast)
    start, _ = _start_of(_run_dir(work, osp.splitext(
        osp.basename(CONTRAST))[0]))
    _assert_slot(start, contrast, 'backbone')
    _assert_slot(start, contrast, 'decode_head')
    assert not any(k.startswith('head.') for k in start)


def test_chain_c_three_stages_and_a_kill_in_stage_two(
        camvid_root, tmp_path, tool):
    (tmp_path / 'crash_hook.py').write_text(CRASH_HOOK)
    work = tmp_path / 'c'
    options = TINY + ["custom_imports.imports=['crash_hook']",
                      'default_hooks.checkpoint.interval=1']
    env = {'PYTHONPATH': str(tmp_path), 'CRASH_IN': 'contrast'}
    crashed = tool(['python', 'tools/run_chain.py', THREE_STAGES,
                    '--work-dir', str(work), '--fraction', '0.02', '--seed',
                    '0', '--cfg-options', *options], env=env)
    assert crashed.returncode != 0
    ddep_dir = _run_dir(work, 'ddep')
    ddep_done = _done(ddep_dir)
    interrupted = _run_dir(work, 'contrast')
    assert not (interrupted / 'done.json').exists()
    assert not (work / osp.splitext(osp.basename(THREE_STAGES))[0]).exists()

    env['CRASH_IN'] = ''
    again = tool(['python', 'tools/run_chain.py', THREE_STAGES,
                  '--work-dir', str(work), '--fraction', '0.02', '--seed',
                  '0', '--cfg-options', *options], env=env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert '[ddep] finished before' in again.stdout
    assert f'[contrast] resuming the interrupted run in {interrupted}' in \
        again.stdout
    assert _done(ddep_dir) == ddep_done  # stage 1 did not run again
    # each transferred slot starts as the producing stage ended
    ddep = _state(ddep_done['checkpoint'])
    contrast = _state(_done(interrupted)['checkpoint'])
    start, cfg = _start_of(interrupted)
    _assert_slot(start, ddep, 'decode_head')
    fresh = _fresh(cfg)
    assert all(torch.equal(v, fresh[k]) for k, v in start.items()
               if k.startswith('backbone.'))
    final = _run_dir(work, osp.splitext(osp.basename(THREE_STAGES))[0])
    start, _ = _start_of(final)
    _assert_slot(start, contrast, 'backbone')
    _assert_slot(start, contrast, 'decode_head')

    # a change in stage 2 re-runs stage 2 and the fine-tuning, not stage 1
    changed = tool(['python', 'tools/run_chain.py', THREE_STAGES,
                    '--work-dir', str(work), '--fraction', '0.02', '--seed',
                    '0', '--cfg-options', *options,
                    'model.head.loss.temperature=0.1'],
                   env=env)
    assert changed.returncode == 0, changed.stdout[-3000:]
    assert '[ddep] finished before' in changed.stdout
    assert '[contrast] training in' in changed.stdout
    assert len(list((work / 'contrast').iterdir())) == 2
    assert len(list(final.parent.iterdir())) == 2  # nothing overwritten


def test_chain_d_encoder_and_decoder_from_two_stages(
        camvid_root, tmp_path, tool):
    work = tmp_path / 'd'
    run = _chain(tool, TWO_SOURCES, work)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    dep = _state(_done(_run_dir(work, 'dep'))['checkpoint'])
    ddep = _state(_done(_run_dir(work, 'ddep'))['checkpoint'])
    start, _ = _start_of(_run_dir(work, osp.splitext(
        osp.basename(TWO_SOURCES))[0]))
    _assert_slot(start, dep, 'backbone')
    _assert_slot(start, ddep, 'decode_head')
    # the two sources really differ (DeP trained its encoder from scratch)
    key = 'backbone.stem.conv.weight'
    assert not torch.equal(dep[key], ddep[key])


def test_chain_e_self_training_on_pseudo_labels(camvid_root, tmp_path, tool):
    work = tmp_path / 'e'

    def run_chain(variant):
        run = tool(['python', 'tools/run_chain.py', PSEUDO.format(variant),
                    '--work-dir', str(work), '--fraction', '0.992',
                    '--seed', '0', '--cfg-options', *TINY])
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        return run

    run_chain('')
    teacher = _run_dir(work, TEACHER)
    labels, = teacher.glob('pseudo_labels-*')
    names = (labels / 'files.txt').read_text().split()
    assert len(names) == 3  # the train images outside the 99.2% split
    assert len(list((labels / 'labels').iterdir())) == 3
    with open(labels / 'summary.json') as f:
        assert json.load(f)['class_balanced'] is None
    final = _run_dir(work, osp.splitext(osp.basename(PSEUDO.format('')))[0])
    start, cfg = _start_of(final)
    labelled, pseudo = cfg.train_dataloader.dataset.datasets
    assert labelled.type == 'LabelFractionDataset'
    assert labelled.fraction == '0.992'
    assert pseudo.ann_file == str(labels / 'files.txt')
    assert pseudo.data_prefix.seg_map_path == str(labels / 'labels')
    contrast = _state(_done(_run_dir(work, 'contrast'))['checkpoint'])
    _assert_slot(start, contrast, 'backbone')  # not the teacher's weights

    # class-balanced thresholds: the same teacher run labels again
    again = run_chain('-classbalanced')
    assert f'[{TEACHER}] finished before' in again.stdout
    assert len(list((work / TEACHER).iterdir())) == 1
    balanced, = set(teacher.glob('pseudo_labels-*')) - {labels}
    with open(balanced / 'summary.json') as f:
        assert json.load(f)['class_balanced'] == 0.2


@pytest.mark.parametrize('stage,match', [
    ("dict(name='t', config='{ddep}', per_split=True, "
     "pseudo_labels=dict(treshold=0.8))", 'unknown pseudo_labels options'),
    ("dict(name='t', config='{ddep}', pseudo_labels=dict(threshold=0.8))",
     'set per_split=True'),
    ("dict(name='t', config='{ddep}', per_split=True)",
     "pseudo_labels_from='t' must name an earlier stage with pseudo_labels"),
])
def test_bad_pseudo_label_stages_are_clear_errors(tmp_path, stage, match):
    config = tmp_path / 'bad.py'
    config.write_text(f"_base_ = ['{osp.join(REPO, DDEP)}']\n"
                      f'pretrain_stages = [{stage.format(ddep=DDEP)}]\n'
                      "pseudo_labels_from = 't'\n"
                      'slots = dict(_delete_=True)\n')
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with pytest.raises(ValueError, match=match):
            read_chain(str(config))
    finally:
        os.chdir(cwd)


def test_pseudo_label_options_become_tool_flags():
    assert chain.pseudo_label_flags(dict(
        threshold=0.8, class_balanced=0.2,
        class_threshold={'Car': 0.9, 'Pole': 0.5})) == [
            '--threshold', '0.8', '--class-balanced', '0.2',
            '--class-threshold', 'Car=0.9', 'Pole=0.5']


def test_spawned_runs_get_the_thread_settings(tmp_path, monkeypatch):
    log = tmp_path / 'run.log'
    code = ('import os; print(os.environ["OMP_NUM_THREADS"], '
            'os.environ["MKL_NUM_THREADS"])')
    messages = []
    chain.call([sys.executable, '-c', code], str(log), chain.thread_env(1),
               messages.append)
    assert log.read_text().split() == ['1', '1']
    assert messages[0].startswith('$ OMP_NUM_THREADS=1 ')
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    assert chain.default_threads() == 3
    monkeypatch.delenv('OMP_NUM_THREADS')
    assert chain.default_threads() == len(os.sched_getaffinity(0))
    with pytest.raises(ValueError, match='threads must be >= 1'):
        chain.thread_env(0)
    monkeypatch.chdir(REPO)
    runner = ChainRunner(DDEP, str(tmp_path), '0.1', 0, threads=2)
    assert runner.env['OMP_NUM_THREADS'] == '2'
    # data workers never outnumber the threads; fewer are left as configured;
    # the runs keep their keys (a study resumed with other threads finds them)
    keys = set()
    for threads, workers in ((1, 1), (2, 2), (8, 2)):
        runner = ChainRunner(DDEP, str(tmp_path), '0.1', 0, threads=threads)
        for stage in runner.chain:
            run = runner._prepare(stage)
            runner.runs[stage.name] = run
            keys.add((stage.name, run.key))
            os.makedirs(run.work_dir, exist_ok=True)  # as if it had run
            with open(run.done_path, 'w') as f:
                json.dump(dict(checkpoint=f'{run.work_dir}/iter_1.pth'), f)
            cfg = runner.launch_cfg(run)
            assert cfg.train_dataloader.num_workers == workers
            assert run.cfg.train_dataloader.num_workers == 2
            if 'val_dataloader' in cfg:
                assert cfg.val_dataloader.num_workers == workers
    assert len(keys) == len(runner.chain)


def test_recipe_key_names_the_configs_not_the_machine(tmp_path, monkeypatch):
    """The same chain and split have the same recipe in any work dir; the
    split, a probe or a fine-tuning option changes it, and fine-tuning
    options reach the last stage alone."""
    monkeypatch.chdir(REPO)

    def recipe(work='a', fraction='0.1', seed=0, **kwargs):
        return ChainRunner(DDEP, str(tmp_path / work), fraction, seed,
                           **kwargs).recipe_key()

    base = recipe()
    assert recipe(work='b', threads=1) == base
    lr = {'optim_wrapper.optimizer.lr': 3e-4}
    others = [recipe(fraction='0.05'), recipe(seed=1), recipe(probe=True),
              recipe(finetune_options=lr)]
    assert len({base, *others}) == 5
    runner = ChainRunner(DDEP, str(tmp_path), '0.1', 0, finetune_options=lr)
    pretrain, finetune = runner.chain
    assert runner._stage_cfg(finetune).optim_wrapper.optimizer.lr == 3e-4
    default = ChainRunner(DDEP, str(tmp_path), '0.1', 0)
    assert runner._stage_cfg(pretrain).optim_wrapper == default._stage_cfg(
        pretrain).optim_wrapper


def test_split_seed_fixes_the_labelled_split_and_not_the_training(
        tmp_path, monkeypatch):
    """With ``split_seed`` every training seed fine-tunes on that seed's
    labelled split; without it the seed picks both."""
    monkeypatch.chdir(REPO)

    def finetune_cfg(seed, split_seed=None):
        runner = ChainRunner(DDEP, str(tmp_path), '0.1', seed,
                             split_seed=split_seed)
        return runner._stage_cfg(runner.chain[-1])

    fixed = finetune_cfg(2, split_seed=0)
    assert fixed.train_dataloader.dataset.seed == 0
    assert fixed.randomness.seed == 2
    own = finetune_cfg(2)
    assert own.train_dataloader.dataset.seed == own.randomness.seed == 2
    assert finetune_cfg(0, split_seed=0).pretty_text == \
        finetune_cfg(0).pretty_text


def test_a_stretched_schedule_is_the_longer_config(monkeypatch):
    """250 iterations stretched to 500 are the 500-iteration config: the
    warm-up kept, the cosine to the new end, val at the end."""
    monkeypatch.chdir(REPO)
    short = Config.fromfile(UNET)
    chain.stretch_schedule(short, 500, UNET)
    long = Config.fromfile(UNET.replace('250i', '500i'))
    assert short.param_scheduler == long.param_scheduler
    assert short.train_cfg == long.train_cfg
    assert short.param_scheduler[0].end == 10
    assert short.max_iters == long.max_iters == 500


def test_a_schedule_that_cannot_stretch_is_refused():
    by_epoch = Config(dict(
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=10),
        param_scheduler=[dict(type='CosineAnnealingLR', end=10)]))
    with pytest.raises(ValueError, match='x.py: CosineAnnealingLR runs by '
                       'epoch'):
        chain.stretch_schedule(by_epoch, 20, 'x.py')
    epochs = Config(dict(train_cfg=dict(type='EpochBasedTrainLoop',
                                        max_epochs=3)))
    with pytest.raises(ValueError, match='x.py: .*needs an iteration-based'):
        chain.stretch_schedule(epochs, 20, 'x.py')
    iters = Config(dict(train_cfg=dict(max_iters=10)))
    with pytest.raises(ValueError, match='int >= 1, got 0'):
        chain.stretch_schedule(iters, 0, 'x.py')


def test_iterations_by_fraction_reach_the_fine_tuning_alone(
        tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    iters = {'1': 1000}
    full = ChainRunner(DDEP, str(tmp_path), '1.0', 0,
                       iters_by_fraction=iters)
    pretrain, finetune = full.chain
    assert full._stage_cfg(finetune).train_cfg.max_iters == 1000
    default = ChainRunner(DDEP, str(tmp_path), '1.0', 0)
    assert full._stage_cfg(pretrain).pretty_text == default._stage_cfg(
        pretrain).pretty_text
    tenth = ChainRunner(DDEP, str(tmp_path), '0.1', 0,
                        iters_by_fraction=iters)
    assert tenth._stage_cfg(finetune).train_cfg.max_iters == 250
