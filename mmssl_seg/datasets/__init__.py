from .camvid import CamVidDataset
from .label_fraction import LabelFractionDataset, labelled_indices
from .pseudo_labels import (class_balanced_thresholds, class_thresholds,
                            confidence_histogram, threshold_pseudo_labels)
from .transforms import *  # noqa: F401,F403

__all__ = [
    'CamVidDataset', 'LabelFractionDataset', 'labelled_indices',
    'class_balanced_thresholds', 'class_thresholds', 'confidence_histogram',
    'threshold_pseudo_labels'
]
