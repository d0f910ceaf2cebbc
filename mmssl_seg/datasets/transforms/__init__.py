from .color_jitter import SafeHueColorJitter, shift_hue
from .validate_labels import ValidateSegLabels

__all__ = ['SafeHueColorJitter', 'ValidateSegLabels', 'shift_hue']
