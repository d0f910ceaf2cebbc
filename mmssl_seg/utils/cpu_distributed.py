"""Distributed runs on machines without a GPU.

mmengine 0.10.7 assumes one GPU per process: its PyTorch launcher calls
``torch.cuda.set_device`` and its DDP wrapper passes ``device_ids``. On a
CPU-only machine we start the ``gloo`` process group ourselves (mmengine then
skips its own set-up), close it at exit (a gloo group left open can abort
the process as it ends: "terminate called without an active exception"), and
wrap the model with ``device_ids=None``.
"""
import atexit

import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Prepare ``cfg`` and the process group for a CPU-only launch."""
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
        atexit.register(dist.destroy_process_group)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
