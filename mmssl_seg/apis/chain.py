"""Pretraining chains: the stages before a fine-tuning config, run in order.

A fine-tuning config lists the stages before it and the slots each one
takes from an earlier stage; ``slots`` says what the fine-tuning model
takes::

    pretrain_stages = [
        dict(name='ddep', config='configs/ddep/ddep_....py'),
        dict(name='contrast', config='configs/pixel_contrast/....py',
             per_split=True, slots=dict(decode_head='ddep')),
    ]
    slots = dict(backbone='contrast', decode_head='contrast')

A slot value is a stage name (the same slot of that stage's model) or
``dict(stage=NAME, prefix='backbone.')``. ``per_split=True`` runs the stage
for every label split (it uses the split's labels); otherwise it runs once
and every split shares it. Slots move through checked ``Pretrained`` inits
(:class:`CheckedPretrainedInit`) in the receiving model's ``init_cfg``.

Self-training: a per-split stage with ``pseudo_labels=dict(threshold=0.8)``
(options of ``tools/pseudo_label.py``: ``threshold``, ``class_balanced``,
``background_class``, ``background_threshold``, ``class_threshold`` as a
dict) pseudo-labels the split's unlabelled images with its final model, and
a later stage with ``pseudo_labels_from=NAME`` (the fine-tuning: a
top-level ``pseudo_labels_from``) trains on the labelled split plus those
images (:func:`add_pseudo_labels`)::

    pretrain_stages = [
        dict(name='teacher', config='configs/supervised/....py',
             per_split=True, pseudo_labels=dict(threshold=0.8)),
    ]
    pseudo_labels_from = 'teacher'

Every run (stage or fine-tuning) is keyed by a hash of its resolved config
and of the runs it starts from, and lives in ``<work_dir>/<name>/<tag>-<key>``.
It counts as finished only when it wrote ``done.json`` after its final
checkpoint: a re-run skips finished runs, resumes an interrupted one, and a
stage that runs again gives every later run a new key, so they run again.
The chain's recipe (:meth:`ChainRunner.recipe_key`) hashes the resolved
configs of all its stages alone, so it names the same runs on any machine;
studies keep it with their results to reuse them in a later session.
"""
import argparse
import copy
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction

from mmssl_seg.datasets.label_fraction import parse_fraction
from mmssl_seg.utils.run_config import merge_cfg_options

TOOLS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                 'tools')
SLOT_NAMES = ('backbone', 'neck', 'decode_head', 'auxiliary_head')
DONE = 'done.json'
PSEUDO_LABEL_OPTIONS = ('threshold', 'class_balanced', 'background_class',
                        'background_threshold', 'class_threshold')


@dataclass
class Stage:
    """One training of a chain; the last one is the fine-tuning."""
    name: str
    config: str
    per_split: bool = False
    slots: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    pseudo_labels: Optional[dict] = None
    pseudo_labels_from: Optional[str] = None


def _read_slots(slots: dict, where: str, earlier: Dict[str, Stage]):
    parsed = {}
    for slot, source in (slots or {}).items():
        if isinstance(source, str):
            source = dict(stage=source)
        stage = source.get('stage')
        if stage not in earlier:
            raise ValueError(
                f'{where}: slot {slot!r} takes from stage {stage!r}, which '
                f'is not an earlier stage (earlier: {list(earlier)})')
        parsed[slot] = (stage, source.get('prefix', f'{slot}.'))
    return parsed


def read_chain(config: str) -> List[Stage]:
    """The stages of ``config``'s chain, checked, ending with ``config``.

    Raises:
        ValueError / FileNotFoundError: naming the config, stage or slot.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    cfg = Config.fromfile(config)
    stages: Dict[str, Stage] = {}
    for i, item in enumerate(cfg.get('pretrain_stages', None) or []):
        where = f'{config}: pretrain_stages[{i}]'
        unknown = set(item) - {'name', 'config', 'per_split', 'slots',
                               'pseudo_labels', 'pseudo_labels_from'}
        if unknown or 'name' not in item or 'config' not in item:
            raise ValueError(f'{where} needs name and config (optional '
                             'per_split, slots, pseudo_labels, '
                             f'pseudo_labels_from), got keys {sorted(item)}')
        if item['name'] in stages:
            raise ValueError(f"{where}: stage name {item['name']!r} is "
                             'used twice')
        if not osp.isfile(item['config']):
            raise FileNotFoundError(
                f"{where}: stage config not found: {item['config']}")
        stage = Stage(item['name'], item['config'],
                      bool(item.get('per_split', False)),
                      _read_slots(item.get('slots'), where, stages),
                      _read_pseudo_label_options(item, where),
                      _read_pseudo_label_source(
                          item, where, stages,
                          bool(item.get('per_split', False))))
        stages[stage.name] = stage
    final = Stage(
        osp.splitext(osp.basename(config))[0], config, True,
        _read_slots(cfg.get('slots', None), f'{config}: slots', stages),
        pseudo_labels_from=_read_pseudo_label_source(cfg, config, stages,
                                                     True))
    chain = [*stages.values(), final]
    for stage in chain:
        for slot, (source, _) in stage.slots.items():
            if stages[source].per_split and not stage.per_split:
                raise ValueError(
                    f'{config}: stage {stage.name!r} runs once but takes '
                    f'{slot!r} from {source!r}, which runs per label split: '
                    f'set per_split=True for {stage.name!r}')
    return chain


def _read_pseudo_label_options(item: dict, where: str) -> Optional[dict]:
    options = item.get('pseudo_labels')
    if options is None:
        return None
    unknown = set(options) - set(PSEUDO_LABEL_OPTIONS)
    if unknown:
        raise ValueError(f'{where}: unknown pseudo_labels options '
                         f'{sorted(unknown)}; known: {PSEUDO_LABEL_OPTIONS}')
    if not item.get('per_split'):
        raise ValueError(f'{where}: a stage with pseudo_labels labels the '
                         "images outside its label split: set "
                         'per_split=True')
    return dict(options)


def _read_pseudo_label_source(item, where: str, earlier: Dict[str, Stage],
                              per_split: bool) -> Optional[str]:
    source = item.get('pseudo_labels_from')
    if source is None:
        return None
    if source not in earlier or earlier[source].pseudo_labels is None:
        raise ValueError(
            f'{where}: pseudo_labels_from={source!r} must name an earlier '
            'stage with pseudo_labels (those: '
            f'{[n for n, s in earlier.items() if s.pseudo_labels]})')
    if not per_split:
        raise ValueError(f'{where}: a stage trained on pseudo labels of a '
                         'label split runs per split: set per_split=True')
    return source


def pseudo_label_flags(options: dict) -> List[str]:
    """``tools/pseudo_label.py`` flags of a stage's ``pseudo_labels``."""
    flags = []
    for key, value in options.items():
        flags.append('--' + key.replace('_', '-'))
        if isinstance(value, dict):  # class_threshold: {class: threshold}
            flags += [f'{name}={thr}' for name, thr in value.items()]
        else:
            flags.append(str(value))
    return flags


def add_pseudo_labels(cfg: Config, pseudo_dir: str, where: str) -> None:
    """Make ``cfg`` train on its labelled split plus the images that
    ``tools/pseudo_label.py`` labelled in ``pseudo_dir``: a
    ``ConcatDataset`` of the split and of the same dataset read from the
    pseudo-labelled file list and label maps."""
    labelled = cfg.train_dataloader.dataset
    if labelled.get('type') != 'LabelFractionDataset':
        raise ValueError(f'{where}: pseudo labels join a labelled split, so '
                         'train_dataloader.dataset must be a '
                         f"LabelFractionDataset, got {labelled.get('type')!r}")
    images = copy.deepcopy(labelled.dataset)
    images.ann_file = osp.abspath(osp.join(pseudo_dir, 'files.txt'))
    images.data_prefix = dict(
        images.get('data_prefix', {}),
        seg_map_path=osp.abspath(osp.join(pseudo_dir, 'labels')))
    cfg.train_dataloader.dataset = dict(
        type='ConcatDataset', datasets=[labelled, images])


def add_chain_arguments(parser: argparse.ArgumentParser,
                        work_dir: str) -> None:
    """``--work-dir``, ``--tta`` and ``--cfg-options`` of the chain tools."""
    parser.add_argument(
        '--work-dir', default=work_dir,
        help='root of the runs of every stage (and of the result tables)')
    parser.add_argument(
        '--threads', type=int, default=default_threads(),
        help='CPU threads of every training and test it starts '
        '(OMP_NUM_THREADS, MKL_NUM_THREADS); default: $OMP_NUM_THREADS, '
        'else the cores this process may use. Two jobs side by side: give '
        'each half the cores')
    parser.add_argument(
        '--probe', action='store_true',
        help='linear probe: after the pretraining stages, train only the '
        'classifier on the frozen backbone and decode head '
        '(LinearProbeSegmentor) instead of fine-tuning everything')
    parser.add_argument(
        '--tta', action='store_true',
        help='also test with multi-scale + flip (the config\'s tta_pipeline)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='key=value settings for every training and test of the chain, '
        'in each stage whose config has the key\'s parent (the longest part '
        'of it that any stage has)')


def default_threads() -> int:
    """$OMP_NUM_THREADS if set, else the cores this process may use."""
    if os.environ.get('OMP_NUM_THREADS', '').isdigit():
        return int(os.environ['OMP_NUM_THREADS'])
    return len(os.sched_getaffinity(0))


def thread_env(threads: int) -> Dict[str, str]:
    """The environment of a spawned run with ``threads`` CPU threads."""
    if threads < 1:
        raise ValueError(f'threads must be >= 1, got {threads}')
    return dict(os.environ, OMP_NUM_THREADS=str(threads),
                MKL_NUM_THREADS=str(threads))


def cap_data_workers(cfg: Config, threads: int) -> None:
    """At most ``threads`` data workers per loader, so a run started with
    ``threads`` threads never keeps more processes busy than that (loaders
    with fewer workers are left alone: the count changes which worker draws
    which augmentation)."""
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader and loader.get('num_workers', 0) > threads:
            loader.num_workers = threads


def split_tag(fraction: str, seed: int) -> str:
    return f"frac{fraction.replace('/', 'over')}_seed{seed}"


def split_options(fraction: str, seed: int,
                  split_seed: Optional[int] = None) -> Dict[str, object]:
    """The options of a run at ``fraction`` with training seed ``seed``; the
    labelled split is that of ``split_seed``, or of ``seed`` if it is
    ``None``."""
    return {
        'train_dataloader.dataset.fraction': fraction,
        'train_dataloader.dataset.seed':
        seed if split_seed is None else split_seed,
        'randomness.seed': seed
    }


def stretch_schedule(cfg: Config, max_iters: int, source: str) -> None:
    """Give an iteration-based schedule ``max_iters`` iterations: schedulers
    that end at the old last iteration end at the new one (a cosine's
    ``T_max`` with them), those that end before it (a warm-up) are kept, and
    a val at the old end moves to the new end, as does a top-level
    ``max_iters`` (the schedule files' variable)."""
    loop = cfg.get('train_cfg') or {}
    old = loop.get('max_iters')
    if old is None:
        raise ValueError(f'{source}: a schedule per label fraction needs '
                         'an iteration-based train_cfg with max_iters, got '
                         f'{dict(loop)!r}')
    if not isinstance(max_iters, int) or max_iters < 1:
        raise ValueError(f'{source}: iterations must be an int >= 1, got '
                         f'{max_iters!r}')
    schedulers = cfg.get('param_scheduler') or []
    for scheduler in ([schedulers] if isinstance(schedulers, dict)
                      else schedulers):
        if scheduler.get('by_epoch', True):
            raise ValueError(f'{source}: {scheduler.get("type")} runs by '
                             'epoch; a schedule per label fraction stretches '
                             'iteration-based schedulers only')
        begin = scheduler.get('begin', 0)
        if scheduler.get('end') == old:
            if scheduler.get('T_max') == old - begin:
                scheduler['T_max'] = max_iters - begin
            scheduler['end'] = max_iters
    if loop.get('val_interval') == old:
        loop['val_interval'] = max_iters
    loop['max_iters'] = max_iters
    if cfg.get('max_iters') == old:
        cfg.max_iters = max_iters


def _has_dict(cfg: Config, key: str) -> bool:
    """Whether ``cfg`` has a dict at the dotted ``key`` ('' is the root)."""
    node = cfg.to_dict()
    for part in filter(None, key.split('.')):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, dict)


def options_per_stage(cfgs: Dict[str, Config],
                      options: Dict[str, object]) -> Dict[str, dict]:
    """Which user options go to which stage: each to the stages whose config
    has the longest part of the option's parent that any stage has. So
    ``train_dataloader.dataset.dataset.data_root`` reaches the stages with a
    labelled split (a ``LabelFractionDataset``) and skips a denoising stage
    on plain images, while ``train_cfg.max_iters`` or a new
    ``custom_imports.imports`` reach every stage."""
    chosen = {name: {} for name in cfgs}
    for key, value in options.items():
        parent = key.rpartition('.')[0]
        while True:
            targets = [n for n, cfg in cfgs.items()
                       if _has_dict(cfg, parent)]
            if targets:
                break
            parent = parent.rpartition('.')[0]
        for name in targets:
            chosen[name][key] = value
    return chosen


@dataclass
class Run:
    stage: Stage
    cfg: Config
    key: str
    work_dir: str

    @property
    def done_path(self) -> str:
        return osp.join(self.work_dir, DONE)

    def finished(self) -> Optional[dict]:
        if osp.isfile(self.done_path):
            with open(self.done_path) as f:
                return json.load(f)
        return None


class ChainRunner:
    """Runs the chain of one fine-tuning config for one label split.

    Args:
        config (str): The fine-tuning config.
        work_dir (str): Root of every run of the chain.
        fraction (str) / seed (int): The label split and the training
            seed.
        split_seed (int, optional): The seed of the labelled split, if it
            is not ``seed``: a study that fixes it varies only the training
            seed.
        cfg_options (dict): User options for every stage
            (:func:`options_per_stage`).
        threads (int): CPU threads of every run it starts; its data loaders
            get at most as many workers (:func:`cap_data_workers`).
        probe (bool): Read the last stage out with a linear probe
            (:class:`LinearProbeSegmentor`) instead of fine-tuning it.
        log (callable): Progress messages.
        finetune_options (dict): Options of the fine-tuning (the last stage)
            alone, after ``cfg_options``, e.g. a learning rate to tune.
        iters_by_fraction (dict): Fine-tuning iterations per label fraction
            (e.g. ``{'1.0': 1000}``), for the fractions whose schedule is
            not the config's (:func:`stretch_schedule`).
    """

    def __init__(self, config: str, work_dir: str, fraction: str = '0.1',
                 seed: int = 0, cfg_options: Optional[dict] = None,
                 threads: Optional[int] = None, probe: bool = False,
                 log=print, finetune_options: Optional[dict] = None,
                 split_seed: Optional[int] = None,
                 iters_by_fraction: Optional[dict] = None):
        parse_fraction(fraction)
        self.probe = probe
        self.threads = threads or default_threads()
        self.env = thread_env(self.threads)
        self.chain = read_chain(config)
        self.work_dir = work_dir
        self.fraction, self.seed = str(fraction), int(seed)
        self.split_seed = None if split_seed is None else int(split_seed)
        iters = {parse_fraction(f): n
                 for f, n in (iters_by_fraction or {}).items()}
        self.finetune_iters = iters.get(parse_fraction(self.fraction))
        self.log = log
        self.runs: Dict[str, Run] = {}
        self.pseudo_labels: Dict[str, dict] = {}
        self.options = options_per_stage(
            {s.name: Config.fromfile(s.config) for s in self.chain},
            dict(cfg_options or {}))
        self.finetune_options = dict(finetune_options or {})
        self.options[self.chain[-1].name].update(self.finetune_options)
        for stage in self.chain:  # every stage readable before training
            self._stage_cfg(stage)

    def _stage_cfg(self, stage: Stage) -> Config:
        cfg = Config.fromfile(stage.config)
        merge_cfg_options(cfg, self.options[stage.name], stage.config)
        if stage.per_split:
            dataset = cfg.get('train_dataloader', {}).get('dataset', {})
            if dataset.get('type') != 'LabelFractionDataset':
                raise ValueError(
                    f'{stage.config}: stage {stage.name!r} runs per label '
                    'split, so train_dataloader.dataset must be a '
                    f"LabelFractionDataset, got {dataset.get('type')!r}")
            cfg.merge_from_dict(
                split_options(self.fraction, self.seed, self.split_seed))
        if self.finetune_iters is not None and stage is self.chain[-1]:
            stretch_schedule(cfg, self.finetune_iters, stage.config)
        if self.probe and stage is self.chain[-1]:
            if cfg.model.type != 'EncoderDecoder':
                raise ValueError(f'{stage.config}: a linear probe reads out '
                                 'an EncoderDecoder, the model is a '
                                 f'{cfg.model.type}')
            cfg.model.type = 'LinearProbeSegmentor'
        for slot in stage.slots:
            if cfg.model.get(slot) is None:
                raise ValueError(f'{stage.config}: stage {stage.name!r} '
                                 f'takes slot {slot!r}, which its model has '
                                 'not')
        return cfg

    def recipe_key(self) -> str:
        """A hash of what the chain trains for this split: every stage's
        resolved config and wiring, without the runs' paths and ids, so the
        same recipe has the same key on any machine and in any work dir."""
        recipe = [[stage.name, self._stage_cfg(stage).pretty_text,
                   sorted(stage.slots.items()), stage.pseudo_labels,
                   stage.pseudo_labels_from] for stage in self.chain]
        return hashlib.sha256(json.dumps(
            recipe, sort_keys=True).encode()).hexdigest()[:12]

    def _prepare(self, stage: Stage) -> Run:
        cfg = self._stage_cfg(stage)
        upstream = []
        for slot, (source, prefix) in sorted(stage.slots.items()):
            done = self.runs[source].finished()
            upstream.append(done)
            init = cfg.model.get('init_cfg') or []
            init = [init] if isinstance(init, dict) else list(init)
            cfg.model.init_cfg = init + [
                dict(type='Pretrained', checkpoint=done['checkpoint'],
                     prefix=prefix, slot=slot)]
        if stage.pseudo_labels_from is not None:
            labels = self.pseudo_labels[stage.pseudo_labels_from]
            upstream.append(labels)
            add_pseudo_labels(cfg, labels['pseudo_labels'], stage.config)
        text = cfg.pretty_text + json.dumps(upstream, sort_keys=True)
        key = hashlib.sha256(text.encode()).hexdigest()[:10]
        tag = split_tag(self.fraction, self.seed) if stage.per_split \
            else 'once'
        return Run(stage, cfg, key,
                   osp.join(self.work_dir, stage.name, f'{tag}-{key}'))

    def launch_cfg(self, run: Run) -> Config:
        """The config a run trains with: its own, with at most ``threads``
        data workers per loader (:func:`cap_data_workers`). The cap is not
        part of the run's key, so a study resumed with other ``threads``
        finds its finished runs."""
        cfg = copy.deepcopy(run.cfg)
        cap_data_workers(cfg, self.threads)
        return cfg

    def _train(self, run: Run) -> dict:
        os.makedirs(run.work_dir, exist_ok=True)
        config = osp.join(run.work_dir, 'stage_config.py')
        self.launch_cfg(run).dump(config)
        cmd = [sys.executable, osp.join(TOOLS, 'train.py'), config,
               '--work-dir', run.work_dir]
        if osp.isfile(osp.join(run.work_dir, 'last_checkpoint')):
            cmd.append('--resume')
            self.log(f'[{run.stage.name}] resuming the interrupted run in '
                     f'{run.work_dir}')
        call(cmd, osp.join(run.work_dir, 'run.log'), self.env, self.log)
        checkpoint = final_checkpoint(run.cfg, run.work_dir)
        done = dict(checkpoint=checkpoint, key=run.key, config=config,
                    finished=time.strftime('%Y-%m-%d %H:%M:%S'),
                    run_id=uuid.uuid4().hex)
        with open(run.done_path, 'w') as f:
            json.dump(done, f, indent=2)
        return done

    def _pseudo_label(self, run: Run) -> dict:
        """The pseudo labels of a finished run with its stage's options,
        made once: ``<run>/pseudo_labels-<options key>``, finished when it
        holds ``done.json``. Another stage with the same config and other
        options labels from the same run into another folder."""
        options = run.stage.pseudo_labels
        tag = hashlib.sha256(json.dumps(
            options, sort_keys=True).encode()).hexdigest()[:6]
        out = osp.join(run.work_dir, f'pseudo_labels-{tag}')
        marker = osp.join(out, DONE)
        if not osp.isfile(marker):
            self.log(f'[{run.stage.name}] pseudo-labelling the images '
                     f'outside the split into {out}')
            done = run.finished()
            cmd = [sys.executable, osp.join(TOOLS, 'pseudo_label.py'),
                   done['config'], done['checkpoint'], '--out-dir', out
                   ] + pseudo_label_flags(options)
            call(cmd, osp.join(run.work_dir, 'run.log'), self.env, self.log)
            with open(marker, 'w') as f:
                json.dump(dict(pseudo_labels=out, options=options,
                               run_id=uuid.uuid4().hex), f, indent=2)
        with open(marker) as f:
            return json.load(f)

    def train(self) -> Run:
        """Every stage and the fine-tuning, each unless finished; returns
        the fine-tuning run."""
        for stage in self.chain:
            run = self._prepare(stage)
            self.runs[stage.name] = run
            if run.finished():
                self.log(f'[{stage.name}] finished before: {run.work_dir}')
            else:
                self.log(f'[{stage.name}] training in {run.work_dir}')
                self._train(run)
            if stage.pseudo_labels is not None:
                self.pseudo_labels[stage.name] = self._pseudo_label(run)
        return run

    def test(self, run: Run, tta: bool = False) -> float:
        """The val mIoU of a finished run (kept in ``metrics[_tta].json``)."""
        path = osp.join(run.work_dir,
                        'metrics_tta.json' if tta else 'metrics.json')
        if not osp.isfile(path):
            done = run.finished()
            cmd = [sys.executable, osp.join(TOOLS, 'test.py'), done['config'],
                   done['checkpoint'], '--work-dir',
                   osp.join(run.work_dir, 'test'), '--dump-metrics', path]
            if tta:
                cmd.append('--tta')
            call(cmd, osp.join(run.work_dir, 'run.log'), self.env, self.log)
        with open(path) as f:
            return json.load(f)['mIoU']


def final_checkpoint(cfg: Config, work_dir: str) -> str:
    """The checkpoint of the schedule's last iteration (or epoch).

    Raises:
        RuntimeError: if the training ended without it.
    """
    loop = cfg.train_cfg
    name = f"iter_{loop['max_iters']}.pth" if 'max_iters' in loop \
        else f"epoch_{loop['max_epochs']}.pth"
    path = osp.join(work_dir, name)
    if not osp.isfile(path):
        raise RuntimeError(f'the training in {work_dir} ended without its '
                           f'final checkpoint {name}; see {work_dir}/run.log')
    return path


def call(cmd: Sequence[str], log_path: str, env: Dict[str, str],
         log=print) -> None:
    """Runs a tool in ``env``, its output appended to ``log_path``; fails
    loudly."""
    log(f"$ OMP_NUM_THREADS={env['OMP_NUM_THREADS']} " + ' '.join(cmd) +
        f'\n  (progress: tail -f {log_path})')
    with open(log_path, 'a') as out:
        code = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT,
                               env=env)
    if code != 0:
        raise RuntimeError(f'command failed with exit code {code}; see '
                           f'{log_path}: {" ".join(cmd)}')
