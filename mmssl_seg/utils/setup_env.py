"""Registration of every mmssl_seg component, as ``mmseg.utils`` does it."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every module that registers components into mmssl_seg and mmseg,
    and install the checked checkpoint loader (``utils/compat.py``).

    Args:
        init_default_scope: make ``mmssl_seg`` the current default scope, so
            that registries resolve unscoped type names from here first.
    """
    from mmssl_seg import registry
    from mmssl_seg.utils.compat import install_checkpoint_loader

    install_checkpoint_loader()

    # A child registry does not import its parent's modules on lookup, so
    # import mmseg's registering modules (e.g. mmseg.visualization) here.
    for name in registry.__all__:
        getattr(registry, name).parent.import_from_location()
    import mmssl_seg.datasets  # noqa: F401
    import mmssl_seg.engine  # noqa: F401
    import mmssl_seg.models  # noqa: F401
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmssl_seg'):
        DefaultScope.get_instance('mmssl_seg', scope_name='mmssl_seg')
    elif current.scope_name != 'mmssl_seg':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmssl_seg"; a new one named '
                      f'"mmssl_seg-{datetime.datetime.now()}" is created.')
        DefaultScope.get_instance(
            f'mmssl_seg-{datetime.datetime.now()}', scope_name='mmssl_seg')
