"""t-SNE of pixel embeddings of two models, side by side.

    python tools/analysis_tools/tsne_pixel_embeddings.py \
        CONFIG_A CHECKPOINT_A CONFIG_B CHECKPOINT_B \
        --titles 'CE only' 'contrastive + CE' --out tsne.png \
        [--num-images 20] [--pixels-per-class 200] [--seed 0]

The embeddings are the decoder's pre-classifier features F (the softmax
input, ``pre_classifier_features``) at labelled pixels of the val images
(``val_dataloader.dataset`` of CONFIG_A, first ``--num-images``). Both
models embed the same pixels: up to ``--pixels-per-class`` per class, drawn
at random over the chosen images, ignored pixels left out. F is read at a
pixel by bilinear interpolation at its centre (the feature map covers the
resized, padded input). Each model's embeddings go through their own t-SNE;
points are coloured by class with the dataset palette.
"""
import argparse
import os
import os.path as osp

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmseg.apis import init_model

from mmssl_seg.models.utils import pre_classifier_features
from mmssl_seg.registry import DATASETS
from mmssl_seg.utils import register_all_modules

IGNORE_INDEX = 255


def parse_args():
    parser = argparse.ArgumentParser(
        description='t-SNE of two models\' pixel embeddings')
    parser.add_argument(
        'config_a', help='config of the first model (its val set is used)')
    parser.add_argument('checkpoint_a', help='checkpoint of the first model')
    parser.add_argument('config_b', help='config of the second model')
    parser.add_argument('checkpoint_b', help='checkpoint of the second model')
    parser.add_argument(
        '--titles', nargs=2, default=['CE only', 'contrastive + CE'],
        metavar=('TITLE_A', 'TITLE_B'), help='titles of the two panels')
    parser.add_argument(
        '--out', default='tsne_pixel_embeddings.png', help='output PNG')
    parser.add_argument(
        '--num-images', type=int, default=20,
        help='first val images to sample pixels from (default 20)')
    parser.add_argument(
        '--pixels-per-class', type=int, default=200,
        help='pixels sampled per class, at most (default 200)')
    parser.add_argument(
        '--perplexity', type=float, default=30.,
        help='t-SNE perplexity, capped at (pixels - 1) / 3 (default 30)')
    parser.add_argument(
        '--seed', type=int, default=0,
        help='seed of the pixel sampling and of t-SNE (default 0)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of both configs (e.g. the data root)')
    return parser.parse_args()


def sample_pixels(label_maps, pixels_per_class, seed):
    """Up to ``pixels_per_class`` random pixels of every class over all maps.

    Returns a list with, per map, ``(ys, xs, classes)`` index arrays.
    """
    rng = np.random.default_rng(seed)
    where = [(i, *np.nonzero(label != IGNORE_INDEX))
             for i, label in enumerate(label_maps)]
    image = np.concatenate([np.full(len(ys), i) for i, ys, _ in where])
    ys = np.concatenate([ys for _, ys, _ in where])
    xs = np.concatenate([xs for _, _, xs in where])
    classes = np.concatenate(
        [label_maps[i][y, x] for i, y, x in where]).astype(np.int64)
    chosen = []
    for k in np.unique(classes):
        members = np.nonzero(classes == k)[0]
        chosen.append(rng.permutation(members)[:pixels_per_class])
    chosen = np.sort(np.concatenate(chosen))
    return [(ys[chosen][image[chosen] == i], xs[chosen][image[chosen] == i],
             classes[chosen][image[chosen] == i])
            for i in range(len(label_maps))]


def embed_pixels(model, data, ys, xs):
    """F at label pixels (ys, xs) of one sample: (len(ys), C) array."""
    data = model.data_preprocessor(data, False)
    inputs, sample = data['inputs'], data['data_samples'][0]
    with torch.no_grad():
        feats = pre_classifier_features(model.decode_head,
                                        model.extract_feat(inputs))
    # label pixel centre -> resized image -> padded input, in [-1, 1]
    ori_h, ori_w = sample.ori_shape
    img_h, img_w = sample.img_shape
    pad_h, pad_w = inputs.shape[-2:]
    gx = (torch.as_tensor(xs) + .5) * img_w / ori_w / pad_w * 2 - 1
    gy = (torch.as_tensor(ys) + .5) * img_h / ori_h / pad_h * 2 - 1
    grid = torch.stack([gx, gy], dim=-1).float()[None, None]
    out = F.grid_sample(feats, grid, mode='bilinear', padding_mode='border',
                        align_corners=False)
    return out[0, :, 0].T.numpy()


def load_model(config, checkpoint, cfg_options):
    """(model in eval mode on the CPU, its config)."""
    cfg = Config.fromfile(config)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    return init_model(cfg, checkpoint, 'cpu'), cfg


def tsne(embeddings, perplexity, seed):
    from sklearn.manifold import TSNE

    perplexity = min(perplexity, (len(embeddings) - 1) / 3)
    return TSNE(perplexity=perplexity, init='pca',
                random_state=seed).fit_transform(embeddings)


def plot(points, classes, titles, metainfo, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names, palette = metainfo['classes'], np.array(metainfo['palette']) / 255
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    for ax, xy, title in zip(axes, points, titles):
        for k in np.unique(classes):
            mask = classes == k
            ax.scatter(xy[mask, 0], xy[mask, 1], s=4, color=palette[k],
                       label=names[k])
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].legend(loc='center left', bbox_to_anchor=(1, .5), markerscale=3,
                   fontsize=8)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    args = parse_args()
    register_all_modules()
    models = [
        load_model(args.config_a, args.checkpoint_a, args.cfg_options),
        load_model(args.config_b, args.checkpoint_b, args.cfg_options)
    ]
    dataset = DATASETS.build(models[0][1].val_dataloader.dataset)
    samples = [dataset[i] for i in range(min(args.num_images, len(dataset)))]
    label_maps = [s['data_samples'].gt_sem_seg.data[0].numpy()
                  for s in samples]
    picks = sample_pixels(label_maps, args.pixels_per_class, args.seed)
    classes = np.concatenate([k for _, _, k in picks])
    points = []
    for model, _ in models:
        feats = np.concatenate([
            embed_pixels(model, pseudo_collate([s]), ys, xs)
            for s, (ys, xs, _) in zip(samples, picks)
        ])
        points.append(tsne(feats, args.perplexity, args.seed))
    plot(points, classes, args.titles, dataset.metainfo, args.out)
    print(f'{len(classes)} pixels of {len(np.unique(classes))} classes from '
          f'{len(samples)} images; t-SNE plot: {args.out}')


if __name__ == '__main__':
    main()
