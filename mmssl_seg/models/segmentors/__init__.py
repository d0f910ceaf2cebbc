from .linear_probe import LinearProbeSegmentor

__all__ = ['LinearProbeSegmentor']
