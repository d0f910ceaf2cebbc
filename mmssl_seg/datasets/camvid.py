"""CamVid in its 11-class SegNet version (360x480 road scenes)."""
import os.path as osp

from mmseg.datasets import BaseSegDataset

from mmssl_seg.registry import DATASETS


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid, SegNet's 11 classes, in mmseg's ``img_dir``/``ann_dir`` layout.

    Label files hold class indices 0-10 and 11 for void; void is mapped to
    the ignore index 255 when a label is loaded. Loading errors (a corrupt or
    missing file) are re-raised with the sample's file names.
    """
    VOID_LABEL = 11
    METAINFO = dict(
        classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                 'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        data_root = kwargs.get('data_root')
        if data_root is not None and not osp.isdir(data_root):
            raise FileNotFoundError(
                f"CamVidDataset: data_root '{data_root}' does not exist. "
                "Run 'make data' (links ../shared/datasets/camvid_segnet) or "
                'see docs/get_started.md to prepare CamVid.')
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        if not data_list:
            raise FileNotFoundError(
                'CamVidDataset: no images ending in '
                f"'{self.img_suffix}' under '{self.data_prefix['img_path']}'")
        label_map = dict(self.label_map or {})
        label_map[self.VOID_LABEL] = 255
        for info in data_list:
            info['label_map'] = label_map
        return data_list

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except Exception as err:
            info = self.get_data_info(idx)
            raise RuntimeError(
                f"CamVidDataset: failed to load sample {idx} (image "
                f"'{info['img_path']}', label '{info.get('seg_map_path')}'): "
                f'{type(err).__name__}: {err}') from err
