"""tools/analysis_tools/tsne_pixel_embeddings.py."""
import importlib.util
import os.path as osp

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from PIL import Image

from mmssl_seg.models.utils import pre_classifier_features
from mmssl_seg.registry import DATASETS, MODELS
from tests.conftest import REPO

TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'tsne_pixel_embeddings.py')
CONFIG = osp.join(
    REPO, 'configs', 'supervised',
    'supervised_effnetlite0-deeplabv3plus_1xb8-200i_camvid-176x240.py')


def _tool_module():
    spec = importlib.util.spec_from_file_location('tsne_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pixels_are_sampled_per_class_without_ignored_ones():
    rng = np.random.default_rng(0)
    maps = [rng.integers(0, 3, (6, 7)), rng.integers(0, 3, (5, 4))]
    maps[0][0] = 255
    maps[1][:, :] = 0
    maps[1][0, 0] = 4  # one pixel of a rare class
    picks = _tool_module().sample_pixels(maps, pixels_per_class=5, seed=0)
    classes = np.concatenate([k for _, _, k in picks])
    counts = {k: int((classes == k).sum()) for k in np.unique(classes)}
    assert counts == {0: 5, 1: 5, 2: 5, 4: 1}
    for label, (ys, xs, ks) in zip(maps, picks):
        assert (label[ys, xs] == ks).all()
    assert len({(i, y, x) for i, (ys, xs, _) in enumerate(picks)
                for y, x in zip(ys, xs)}) == 16  # no pixel twice


def test_tool_writes_a_side_by_side_png(camvid_root, tmp_path, tool):
    ckpts = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        model = MODELS.build(Config.fromfile(CONFIG).model)
        ckpts.append(str(tmp_path / f'model{seed}.pth'))
        torch.save(dict(state_dict=model.state_dict(), meta=dict()),
                   ckpts[-1])
    out = str(tmp_path / 'tsne.png')
    run = tool([
        'python', TOOL, CONFIG, ckpts[0], CONFIG, ckpts[1], '--out', out,
        '--num-images', '2', '--pixels-per-class', '8', '--cfg-options',
        f'val_dataloader.dataset.data_root={camvid_root}'
    ])
    assert run.returncode == 0, run.stderr[-3000:]
    width, height = Image.open(out).size
    assert width > 1.5 * height  # two panels side by side
    assert 'pixels of' in run.stdout and 'from 2 images' in run.stdout


def test_embeddings_are_the_features_upsampled_to_the_label(camvid_root):
    cfg = Config.fromfile(CONFIG)
    cfg.val_dataloader.dataset.data_root = camvid_root
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    data = pseudo_collate([DATASETS.build(cfg.val_dataloader.dataset)[0]])
    ys, xs = np.array([0, 100, 359, 200]), np.array([0, 240, 479, 50])
    embedded = _tool_module().embed_pixels(model, data, ys, xs)
    with torch.no_grad():
        inputs = model.data_preprocessor(data, False)['inputs']
        feats = pre_classifier_features(model.decode_head,
                                        model.extract_feat(inputs))
    assert inputs.shape[-2:] == (180, 240)  # labels are 360x480
    full = F.interpolate(feats, size=(360, 480), mode='bilinear',
                         align_corners=False)[0, :, ys, xs].T.numpy()
    assert np.abs(full).max() > 0.01
    np.testing.assert_allclose(embedded, full, atol=1e-5)
