from .chain import ChainRunner, Stage, add_chain_arguments, read_chain

__all__ = ['ChainRunner', 'Stage', 'add_chain_arguments', 'read_chain']
