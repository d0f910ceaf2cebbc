from .deeplabv3plus_head import DeepLabV3PlusHead
from .unet_head import UNetHead

__all__ = ['DeepLabV3PlusHead', 'UNetHead']
