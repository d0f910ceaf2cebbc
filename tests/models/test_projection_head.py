import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmssl_seg.models.heads.projection_head import ProjectionHead
from mmssl_seg.registry import MODELS


def test_paper_default_three_convs_relu_between():
    head = ProjectionHead(in_channels=6, channels=8)
    convs = [m for m in head.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == \
        [(6, 8, (1, 1)), (8, 8, (1, 1)), (8, 8, (1, 1))]
    assert sum(isinstance(m, nn.ReLU) for m in head.modules()) == 2
    assert not any(isinstance(m, nn.BatchNorm2d) for m in head.modules())

    x = torch.randn(2, 6, 3, 4)
    h = F.relu(convs[0](x))
    h = F.relu(convs[1](h))
    expected = F.normalize(convs[2](h), dim=1)  # no ReLU after the last conv
    out = head(x)
    torch.testing.assert_close(out, expected)
    assert (out < 0).any()


def test_public_code_variant_conv_bn_relu_conv():
    head = ProjectionHead(4, channels=5, num_convs=2,
                          norm_cfg=dict(type='BN'))
    head.train()
    convs = [m for m in head.modules() if isinstance(m, nn.Conv2d)]
    bns = [m for m in head.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(convs) == 2 and len(bns) == 1
    assert convs[0].bias is None and convs[1].bias is not None

    x = torch.randn(3, 4, 2, 2)
    out = head(x)
    h = F.relu(F.batch_norm(convs[0](x), None, None, bns[0].weight,
                            bns[0].bias, training=True))
    torch.testing.assert_close(out, F.normalize(convs[1](h), dim=1))


@pytest.mark.parametrize('num_convs', [1, 2, 3])
def test_output_has_unit_norm(num_convs):
    head = ProjectionHead(3, channels=16, num_convs=num_convs)
    out = head(10 * torch.randn(2, 3, 5, 7))
    assert out.shape == (2, 16, 5, 7)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(2, 5, 7))
    assert sum(isinstance(m, nn.ReLU)
               for m in head.modules()) == num_convs - 1


def test_built_from_registry():
    head = MODELS.build(dict(type='ProjectionHead', in_channels=2,
                             channels=4))
    assert isinstance(head, ProjectionHead)


@pytest.mark.parametrize('kwargs, match', [
    (dict(in_channels=3, num_convs=0), 'num_convs.*0'),
    (dict(in_channels=3, channels=-2), 'channels.*-2'),
    (dict(in_channels=0), 'in_channels.*0'),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ProjectionHead(**kwargs)
