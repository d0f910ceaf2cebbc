"""Distributed runs on machines without a GPU.

mmengine 0.10.7 assumes one GPU per process: its PyTorch launcher calls
``torch.cuda.set_device`` and its DDP wrapper passes ``device_ids``. On a
CPU-only machine we start the ``gloo`` process group ourselves (mmengine then
skips its own set-up) and wrap the model with ``device_ids=None``. At the end,
``finish_cpu_distributed`` closes the group and leaves without running C++
static destructors: gloo's threads otherwise abort the ending process now and
then ("terminate called without an active exception").
"""
import os
import sys

import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Prepare ``cfg`` and the process group for a CPU-only launch."""
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def finish_cpu_distributed() -> None:
    """End a CPU-only distributed process cleanly; no-op otherwise."""
    if not dist.is_initialized() or torch.cuda.is_available():
        return
    dist.barrier()
    dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
