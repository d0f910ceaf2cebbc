from .efficientnet_lite import EfficientNetLite
from .transunet_encoder import TransUNetEncoder
from .vit_sincos import ViTSinCos

__all__ = ['EfficientNetLite', 'TransUNetEncoder', 'ViTSinCos']
