from .validate_labels import ValidateSegLabels

__all__ = ['ValidateSegLabels']
