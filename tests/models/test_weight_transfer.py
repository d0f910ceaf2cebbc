"""Checked, reported transfer of weights per slot and per model."""
import pytest
import torch
from mmpretrain.models.utils import resize_pos_embed

from mmssl_seg.models.utils.weight_transfer import (check_model_fit,
                                                    load_into,
                                                    read_state_dict)
from mmssl_seg.registry import MODELS
from tests.tiny_denoising import BACKBONE, HEAD, PREPROCESSOR


def _segmentor(**kwargs):
    cfg = dict(type='EncoderDecoder', data_preprocessor=PREPROCESSOR,
               backbone=BACKBONE, decode_head=dict(HEAD, num_classes=5))
    return MODELS.build(dict(cfg, **kwargs))


def _perturbed_checkpoint(path, model=None):
    model = model or _segmentor()
    state = {k: v + 1 if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state), path)
    return state


def test_slot_load_reports_every_kind_of_key(tmp_path, caplog):
    path = tmp_path / 'a.pth'
    state = _perturbed_checkpoint(path)
    head = _segmentor().decode_head
    sub = read_state_dict(str(path), 'decode_head.')
    sub['extra.weight'] = torch.zeros(1)
    del sub['conv_seg.bias']  # the classifier may be missing
    report = load_into(head, sub, 'decode_head', str(path))
    assert report.missing == ['conv_seg.bias']
    assert report.unexpected == ['extra.weight']
    assert not report.mismatched
    assert len(report.loaded) == len(head.state_dict()) - 1
    for key, value in head.state_dict().items():
        if key != 'conv_seg.bias':
            assert torch.equal(value, state['decode_head.' + key]), key
    assert '1 missing, 1 unexpected, 0 shape-mismatched' in report.summary()


def test_slot_that_receives_no_key_is_an_error(tmp_path):
    path = tmp_path / 'a.pth'
    _perturbed_checkpoint(path)
    backbone_keys = read_state_dict(str(path), 'backbone.')
    with pytest.raises(ValueError) as error:
        load_into(_segmentor().decode_head, backbone_keys, 'decode_head',
                  str(path))
    text = str(error.value)
    assert "slot 'decode_head'" in text and str(path) in text
    assert 'no key fits' in text and 'stem.0.weight' in text


def test_wrong_prefix_names_the_prefixes_there_are(tmp_path):
    path = tmp_path / 'a.pth'
    _perturbed_checkpoint(path)
    with pytest.raises(ValueError, match=r"no key with prefix 'decoder\.'.*"
                       r"'backbone\.', 'decode_head\.'"):
        read_state_dict(str(path), 'decoder.')


def test_missing_or_misshapen_keys_outside_the_classifier_are_errors(
        tmp_path):
    path = tmp_path / 'a.pth'
    _perturbed_checkpoint(path)
    sub = read_state_dict(str(path), 'decode_head.')
    head = _segmentor().decode_head
    del sub['blocks.0.0.conv.weight']
    with pytest.raises(ValueError, match='(?s)does not fit.*blocks.0.0.conv'):
        load_into(head, sub, 'decode_head', str(path))
    # a classifier for another number of classes is skipped, not loaded
    other = _segmentor(decode_head=dict(HEAD, num_classes=7)).decode_head
    before = other.conv_seg.weight.clone()
    report = load_into(other, read_state_dict(str(path), 'decode_head.'),
                       'decode_head', str(path))
    assert [k for k, _, _ in report.mismatched] == ['conv_seg.weight',
                                                    'conv_seg.bias']
    assert torch.equal(other.conv_seg.weight, before)


def test_model_init_cfg_fills_one_slot_and_leaves_the_others_fresh(tmp_path):
    path = tmp_path / 'a.pth'
    state = _perturbed_checkpoint(path)
    torch.manual_seed(0)
    fresh = _segmentor()
    fresh.init_weights()
    torch.manual_seed(0)
    model = _segmentor(init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='backbone.',
        slot='backbone'))
    model.init_weights()
    for key, value in model.state_dict().items():
        expected = state[key] if key.startswith('backbone.') \
            else fresh.state_dict()[key]
        assert torch.equal(value, expected), key


def test_vit_position_embedding_is_resized_as_mmpretrain_does(tmp_path):
    vit = dict(type='mmpretrain.VisionTransformer', arch='deit-tiny',
               img_size=32, patch_size=8)
    small = MODELS.build(vit)
    assert type(small).__module__.startswith('mmpretrain')
    with torch.no_grad():
        small.pos_embed.normal_()
    path = tmp_path / 'vit.pth'
    torch.save(dict(state_dict={f'backbone.{k}': v
                                for k, v in small.state_dict().items()}),
               path)
    large = MODELS.build(dict(vit, img_size=(48, 64)))
    report = load_into(large, read_state_dict(str(path), 'backbone.'),
                       'backbone', str(path))
    assert report.resized == ['pos_embed']
    expected = resize_pos_embed(small.pos_embed, (4, 4), (6, 8), 'bicubic',
                                1)
    assert torch.equal(large.pos_embed, expected)


def test_whole_model_fit_needs_every_slot(tmp_path):
    path = tmp_path / 'a.pth'
    state = _perturbed_checkpoint(path)
    model = _segmentor()
    check_model_fit(model, state, str(path))
    without_head = {k: v for k, v in state.items()
                    if not k.startswith('decode_head.')}
    with pytest.raises(ValueError, match=r"slots \['decode_head'\] receive"):
        check_model_fit(model, without_head, str(path))
    no_classifier = {k: v for k, v in state.items() if 'conv_seg' not in k}
    check_model_fit(model, no_classifier, str(path))
    with pytest.raises(ValueError, match='conv_seg'):
        check_model_fit(model, no_classifier, str(path), allow_missing=())
