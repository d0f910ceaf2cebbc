from .pixel_contrast_loss import PixelContrastLoss, pixel_contrast_loss

__all__ = ['PixelContrastLoss', 'pixel_contrast_loss']
