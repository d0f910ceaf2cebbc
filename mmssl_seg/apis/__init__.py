from .chain import ChainRunner, Stage, read_chain

__all__ = ['ChainRunner', 'Stage', 'read_chain']
