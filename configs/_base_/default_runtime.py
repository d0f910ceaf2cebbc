default_scope = 'mmssl_seg'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # without a GPU, tools/train.py starts a 'gloo' process group instead
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
# default_hooks are in the schedule files (configs/_base_/schedules/), as
# in mmseg: configs list this file and a schedule as sibling bases, and
# mmengine refuses a key that two sibling bases both define.
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
tta_model = dict(type='SegTTAModel')
