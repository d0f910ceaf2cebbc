from .labelled_split_hook import LabelledSplitHook

__all__ = ['LabelledSplitHook']
