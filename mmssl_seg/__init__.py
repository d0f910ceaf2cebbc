"""mmssl_seg: label-efficient semantic segmentation on the OpenMMLab stack."""
from .utils import compat as _compat

_compat.silence_known_warnings()

__version__ = '0.1.0'
