"""An mmengine Runner whose whole-model loads are checked."""
import re

from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import Runner

from mmssl_seg.models.utils.weight_transfer import (check_model_fit,
                                                    read_state_dict)
from mmssl_seg.registry import RUNNERS


@RUNNERS.register_module()
class CheckedRunner(Runner):
    """``Runner`` that refuses a checkpoint that does not fit its model.

    ``load_from`` (and ``resume``) first check the checkpoint against the
    model (:func:`check_model_fit`) and log the report: every slot must
    receive keys, and only the classifier (``conv_seg``) may be missing or
    of another shape. With ``strict_load`` (set by ``tools/test.py``) no key
    may be missing; unexpected keys are only reported. To start single slots
    from a checkpoint, use a ``Pretrained`` init with a prefix instead.
    """

    strict_load = False

    def load_checkpoint(self, filename, map_location='cpu', strict=False,
                        revise_keys=[(r'^module\.', '')]):
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        if isinstance(model, BaseTTAModel):
            model = model.module
        state_dict = read_state_dict(filename, map_location=map_location)
        for pattern, replacement in revise_keys:
            state_dict = {re.sub(pattern, replacement, k): v
                          for k, v in state_dict.items()}
        allow = () if strict or self.strict_load else ('*conv_seg.*', )
        report = check_model_fit(model, state_dict, filename, allow)
        self.logger.info(f'checkpoint {filename} into '
                         f'{type(model).__name__}: {report.summary()}')
        return super().load_checkpoint(filename, map_location, strict,
                                       revise_keys)
