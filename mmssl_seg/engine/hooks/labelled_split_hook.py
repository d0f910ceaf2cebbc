"""Writes the labelled training files of a run to its work dir."""
import os.path as osp

from mmengine.hooks import Hook

from mmssl_seg.registry import HOOKS


@HOOKS.register_module()
class LabelledSplitHook(Hook):
    """Before training, save the labelled file list to ``labelled_split.txt``.

    Does nothing unless the training set is a ``LabelFractionDataset`` (or
    anything with a ``files`` list).
    """
    priority = 'VERY_LOW'

    def __init__(self, filename: str = 'labelled_split.txt'):
        self.filename = filename

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        files = getattr(dataset, 'files', None)
        if files is None:
            return
        path = osp.join(runner.work_dir, self.filename)
        with open(path, 'w') as f:
            f.write('\n'.join(files) + '\n')
        runner.logger.info(f'{dataset!r}; file list written to {path}')
