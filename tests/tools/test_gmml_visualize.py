"""tools/visualize_gmml.py on real CamVid images."""
import glob
import os.path as osp

import mmcv
import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from mmssl_seg.engine.hooks.gmml_visualization_hook import gmml_grid
from mmssl_seg.models.utils import GMMLCorruption
from mmssl_seg.registry import MODELS
from tests.conftest import REPO

CONFIG = osp.join(REPO, 'configs', 'gmml',
                  'gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py')
NOISE = 'model.corruption.types=noise'  # no colour coincides with the image


def _checkpoint(path, drop=None):
    torch.manual_seed(0)
    state = MODELS.build(Config.fromfile(CONFIG).model).state_dict()
    if drop:
        state = {k: v for k, v in state.items() if not k.startswith(drop)}
    torch.save(dict(state_dict=state, meta=dict()), path)
    return str(path)


def _images(camvid_root):
    return sorted(glob.glob(osp.join(camvid_root, 'img_dir', 'val',
                                     '*.png')))[:2]


def _reconstruction_rows(ckpt, images):
    """The tool's rows computed here: GMML.reconstruct, seed 3."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.corruption.types = 'noise'
    model = MODELS.build(cfg.model)
    load_checkpoint(model, ckpt, strict=True)
    model.eval()
    batch = torch.stack([
        torch.from_numpy(mmcv.imresize(mmcv.imread(i), (128, 96))).permute(
            2, 0, 1) for i in images
    ])
    torch.manual_seed(3)
    inputs = model.data_preprocessor(
        dict(inputs=batch, data_samples=None))['inputs']
    corrupted, _, recon = model.reconstruct(inputs)
    mean_std = model.data_preprocessor.mean, model.data_preprocessor.std
    return [np.ascontiguousarray(gmml_grid(inputs[k:k + 1],
                                           corrupted[k:k + 1],
                                           recon[k:k + 1], *mean_std))
            for k in range(len(images))]


def _visualize(tool, ckpt, images, out_dir, *extra):
    return tool([
        'python', 'tools/visualize_gmml.py', CONFIG, ckpt, '--images',
        *images, '--out-dir', out_dir, '--seed', '3', *extra
    ])


def test_one_picture_per_image_corrupted_exactly_on_the_mask(
        camvid_root, tmp_path, tool):
    images = _images(camvid_root)
    out_dir = str(tmp_path / 'vis')
    ckpt = _checkpoint(tmp_path / 'gmml.pth')
    run = _visualize(tool, ckpt, images, out_dir, '--size', '96', '128',
                     '--cfg-options', NOISE)
    assert run.returncode == 0, run.stderr[-3000:]
    expected = _reconstruction_rows(ckpt, images)
    # the tool seeds torch with --seed, then the corruption draws the masks
    torch.manual_seed(3)
    _, masks = GMMLCorruption(types='noise', patch_size=8)(
        torch.zeros(2, 3, 96, 128))
    for image, mask in zip(images, masks[:, 0].bool().numpy()):
        out = osp.join(out_dir,
                       osp.splitext(osp.basename(image))[0] + '_gmml.png')
        assert f'saved {out}' in run.stdout
        grid = mmcv.imread(out)
        # one row of 3 panels of 96x128, 2 white pixels around each
        assert grid.shape == (2 + 98, 2 + 3 * 130, 3)
        assert (grid[:2] == 255).all() and (grid[:, 130:132] == 255).all()
        original = grid[2:98, 2:130].astype(int)
        corrupted = grid[2:98, 132:260].astype(int)
        # the original panel is the resized image (RGB written as BGR)
        resized = mmcv.imresize(mmcv.imread(image), (128, 96)).astype(int)
        assert abs(original - resized).max() <= 1
        assert 0.3 < mask.mean() < 0.75
        assert ((corrupted != original).any(-1) == mask).all()
        # the reconstructed panel is the checkpoint's reconstruction
        rows = expected.pop(0)[..., ::-1].astype(int)
        assert abs(grid[2:98, 262:390].astype(int) -
                   rows[2:98, 262:390]).max() <= 1


def test_wrong_checkpoint_sizes_or_model_give_clear_errors(
        camvid_root, tmp_path, tool):
    images = _images(camvid_root)
    # e.g. a contrastive-only run lacks the reconstruction head
    run = _visualize(tool, _checkpoint(tmp_path / 'seg.pth', drop='head.'),
                     images, str(tmp_path / 'a'))
    assert run.returncode != 0
    assert 'missing keys in source state_dict: head.' in run.stderr
    assert not osp.exists(tmp_path / 'a')
    small = str(tmp_path / 'small.png')
    mmcv.imwrite(mmcv.imread(images[0])[:64, :64], small)
    run = _visualize(tool, _checkpoint(tmp_path / 'gmml.pth'),
                     [images[0], small], str(tmp_path / 'b'))
    assert run.returncode != 0
    assert 'the images have different sizes' in run.stderr
    assert 'give --size H W' in run.stderr
    run = _visualize(tool, str(tmp_path / 'gmml.pth'), images,
                     str(tmp_path / 'c'), '--cfg-options', 'model.head=None')
    assert run.returncode != 0
    assert 'has no reconstruction head (model.head is None)' in run.stderr
    missing = str(tmp_path / 'missing.png')
    run = _visualize(tool, str(tmp_path / 'gmml.pth'), [images[0], missing],
                     str(tmp_path / 'd'))
    assert run.returncode != 0
    assert f'image not found: {missing}' in run.stderr
