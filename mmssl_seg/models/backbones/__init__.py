from .efficientnet_lite import EfficientNetLite
from .transunet_encoder import TransUNetEncoder

__all__ = ['EfficientNetLite', 'TransUNetEncoder']
