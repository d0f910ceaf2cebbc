from .color_jitter import SafeHueColorJitter, shift_hue
from .geometry_views import MultiViewWithGeometry, RandomResizedCropWithBox
from .validate_labels import ValidateSegLabels

__all__ = [
    'MultiViewWithGeometry', 'RandomResizedCropWithBox', 'SafeHueColorJitter',
    'ValidateSegLabels', 'shift_hue'
]
