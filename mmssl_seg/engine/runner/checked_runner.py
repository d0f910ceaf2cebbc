"""An mmengine Runner whose whole-model loads are checked."""
import re

from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from mmssl_seg.models.utils.weight_transfer import check_model_fit
from mmssl_seg.registry import RUNNERS


@RUNNERS.register_module()
class CheckedRunner(Runner):
    """``Runner`` that refuses a checkpoint that does not fit its model.

    ``load_from`` (and ``resume``) check the checkpoint against the model
    (:func:`check_model_fit`) before loading it, and log the report: every
    slot must receive keys, and only the classifier (``conv_seg``) may be
    missing or of another shape. With ``strict_load`` (set by
    ``tools/test.py``) no key may be missing; unexpected keys are only
    reported. To start single slots from a checkpoint, use a ``Pretrained``
    init with a prefix instead.
    """

    strict_load = False

    def load_checkpoint(self, filename, map_location='cpu', strict=False,
                        revise_keys=[(r'^module\.', '')]):
        """mmengine's ``load_checkpoint``, the file read once and checked
        after the ``after_load_checkpoint`` hooks."""
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        state_dict = checkpoint.get('state_dict', checkpoint)
        for pattern, replacement in revise_keys:
            state_dict = {re.sub(pattern, replacement, k): v
                          for k, v in state_dict.items()}
        target = model.module if isinstance(model, BaseTTAModel) else model
        allow = () if strict or self.strict_load else ('*conv_seg.*', )
        report = check_model_fit(target, state_dict, filename, allow)
        self.logger.info(f'checkpoint {filename} into '
                         f'{type(target).__name__}: {report.summary()}')
        _load_checkpoint_to_model(model, checkpoint, strict, revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
