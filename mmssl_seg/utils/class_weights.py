"""Median-frequency class weights (Eigen & Fergus, ICCV 2015).

With n_c the pixels of class c and T_c the labelled pixels of the images
in which c occurs, f_c = n_c / T_c and w_c = median_k(f_k) / f_c: a class
half as frequent as the median weighs twice as much. SegNet trains on
CamVid with these weights (Badrinarayanan et al., TPAMI 2017).
"""
from typing import Iterable, List, Optional, Sequence

import numpy as np


def median_frequency_weights(label_maps: Iterable[np.ndarray],
                             num_classes: int,
                             ignore_index: int = 255,
                             names: Optional[Sequence[str]] = None
                             ) -> List[float]:
    """w_c above over ``label_maps`` (integer arrays). Labels outside
    [0, num_classes) other than ``ignore_index`` are an error, whose message
    names the map by its entry in ``names`` (e.g. its file) or its index."""
    pixels = np.zeros(num_classes, dtype=np.int64)
    pixels_where_present = np.zeros(num_classes, dtype=np.int64)
    for i, label in enumerate(label_maps):
        values = label[label != ignore_index].ravel().astype(np.int64)
        bad = [int(v) for v in np.unique(values) if not 0 <= v < num_classes]
        if bad:
            name = repr(names[i]) if names is not None else str(i)
            raise ValueError(
                f'label map {name} holds values outside [0, {num_classes}) '
                f'and other than ignore_index={ignore_index}: {bad}')
        counts = np.bincount(values, minlength=num_classes)
        pixels += counts
        pixels_where_present += (counts > 0) * values.size
    absent = [c for c in range(num_classes) if pixels[c] == 0]
    if absent:
        raise ValueError(f'classes {absent} occur in no label map: their '
                         'weight is undefined')
    freq = pixels / pixels_where_present
    return (np.median(freq) / freq).tolist()
