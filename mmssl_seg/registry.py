"""Child registries of mmseg's, scope ``mmssl_seg``.

Every registry kind the mmengine Runner uses has a child here, so a config with
``default_scope = 'mmssl_seg'`` finds this package's components first, then
mmseg's and mmengine's. mmpretrain components are reached with the scope
prefix, e.g. ``type='mmpretrain.VisionTransformer'``.
"""
from mmengine.registry import Registry
from mmseg import registry as mmseg_registry

_SCOPE = 'mmssl_seg'
__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
    'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS', 'INFERENCERS'
]


def _child(parent, name, locations):
    return Registry(name, parent=parent, scope=_SCOPE, locations=locations)


RUNNERS = _child(mmseg_registry.RUNNERS, 'runner', ['mmssl_seg.engine'])
RUNNER_CONSTRUCTORS = _child(mmseg_registry.RUNNER_CONSTRUCTORS,
                             'runner constructor', ['mmssl_seg.engine'])
LOOPS = _child(mmseg_registry.LOOPS, 'loop', ['mmssl_seg.engine'])
HOOKS = _child(mmseg_registry.HOOKS, 'hook', ['mmssl_seg.engine.hooks'])
DATASETS = _child(mmseg_registry.DATASETS, 'dataset', ['mmssl_seg.datasets'])
DATA_SAMPLERS = _child(mmseg_registry.DATA_SAMPLERS, 'data sampler',
                       ['mmssl_seg.datasets'])
TRANSFORMS = _child(mmseg_registry.TRANSFORMS, 'transform',
                    ['mmssl_seg.datasets.transforms'])
MODELS = _child(mmseg_registry.MODELS, 'model', ['mmssl_seg.models'])
MODEL_WRAPPERS = _child(mmseg_registry.MODEL_WRAPPERS, 'model_wrapper',
                        ['mmssl_seg.models'])
WEIGHT_INITIALIZERS = _child(mmseg_registry.WEIGHT_INITIALIZERS,
                             'weight initializer', ['mmssl_seg.models'])
OPTIMIZERS = _child(mmseg_registry.OPTIMIZERS, 'optimizer',
                    ['mmssl_seg.engine'])
OPTIM_WRAPPERS = _child(mmseg_registry.OPTIM_WRAPPERS, 'optim_wrapper',
                        ['mmssl_seg.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    mmseg_registry.OPTIM_WRAPPER_CONSTRUCTORS, 'optimizer wrapper constructor',
    ['mmssl_seg.engine'])
PARAM_SCHEDULERS = _child(mmseg_registry.PARAM_SCHEDULERS,
                          'parameter scheduler', ['mmssl_seg.engine'])
# mmssl_seg has no metrics of its own: a lookup imports mmseg's, which it
# then finds in the parent registry
METRICS = _child(mmseg_registry.METRICS, 'metric', ['mmseg.evaluation'])
EVALUATOR = _child(mmseg_registry.EVALUATOR, 'evaluator',
                   ['mmseg.evaluation'])
TASK_UTILS = _child(mmseg_registry.TASK_UTILS, 'task util',
                    ['mmssl_seg.models'])
VISUALIZERS = _child(mmseg_registry.VISUALIZERS, 'visualizer',
                     ['mmssl_seg.engine'])
VISBACKENDS = _child(mmseg_registry.VISBACKENDS, 'vis_backend',
                     ['mmssl_seg.engine'])
LOG_PROCESSORS = _child(mmseg_registry.LOG_PROCESSORS, 'log_processor',
                        ['mmssl_seg.engine'])
INFERENCERS = _child(mmseg_registry.INFERENCERS, 'inferencer',
                     ['mmssl_seg.engine'])
