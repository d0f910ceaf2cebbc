from .cpu_distributed import finish_cpu_distributed, setup_cpu_distributed
from .run_config import add_run_arguments, load_run_config
from .setup_env import register_all_modules

__all__ = [
    'add_run_arguments', 'finish_cpu_distributed', 'load_run_config',
    'register_all_modules',
    'setup_cpu_distributed'
]
