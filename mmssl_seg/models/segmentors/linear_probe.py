"""A segmentor read out by a linear classifier on frozen features."""
from mmseg.models.segmentors import EncoderDecoder

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class LinearProbeSegmentor(EncoderDecoder):
    """mmseg's ``EncoderDecoder`` in which only the classifier learns.

    The linear probe of self-supervised learning, for segmentation: the
    backbone, neck and decode head stay as loaded (no gradient, norm layers
    in eval mode through ``train()``, no dropout) and only the decode head's
    1x1 classifier ``conv_seg`` is trained. For encoder-only pretraining the
    decoder is then random and frozen too; read such methods with a light
    decode head. Same arguments and state-dict keys as ``EncoderDecoder``,
    without an auxiliary head.
    """

    def __init__(self, **kwargs):
        if kwargs.get('auxiliary_head') is not None:
            raise ValueError('a linear probe trains only the classifier: '
                             'remove the auxiliary_head')
        super().__init__(**kwargs)
        self.requires_grad_(False)
        self.decode_head.conv_seg.requires_grad_(True)

    def train(self, mode: bool = True) -> 'LinearProbeSegmentor':
        """Sets the mode of the classifier; the rest stays in eval mode."""
        super().train(mode)
        for module in (self.backbone, self.decode_head):
            module.eval()
        if self.with_neck:
            self.neck.eval()
        self.decode_head.conv_seg.train(mode)
        return self
