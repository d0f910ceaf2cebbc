from .transunet_head import TransUNetHead
from .unet_head import UNetHead

__all__ = ['TransUNetHead', 'UNetHead']
