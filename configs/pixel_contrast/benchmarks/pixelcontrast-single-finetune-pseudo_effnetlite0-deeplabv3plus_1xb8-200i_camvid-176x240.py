# Semi-supervised stage 2 (CPU scale): cross-entropy fine-tuning on the
# labelled split (ground truth) plus the other training images with pseudo
# labels from tools/pseudo_label.py (confidence >= 0.8, else ignored),
# initialised from the single-image stage-1 checkpoint of the same split (the
# `contrast` stage of the chain of the base config, e.g.
# work_dirs/pc_study/contrast/frac0.1_seed0-<key>/iter_200.pth), by hand:
#   python tools/train.py THIS_CONFIG --cfg-options load_from=<stage 1>.pth
# (checked: every slot but the classifier must load from it).
# The pseudo labels hold 0-10 and 255; CamVidDataset maps only 11 (void) to
# 255, so they load unchanged. Paths are relative to the repository root.
_base_ = [
    './pixelcontrast-single-finetune_effnetlite0-deeplabv3plus_'
    '1xb8-200i_camvid-176x240.py'
]
# written by: tools/pseudo_label.py <stage-2 config> <stage-2 checkpoint>
#   --out-dir work_dirs/pseudo_labels/frac0.1_seed0 (fraction 0.1, seed 0)
pseudo_dir = 'work_dirs/pseudo_labels/frac0.1_seed0'
pretrain_stages = None  # not a chain: its pseudo labels come first
slots = None
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            {{_base_.train_dataloader.dataset}},
            dict(
                type='CamVidDataset',
                ann_file=pseudo_dir + '/files.txt',
                data_prefix=dict(
                    img_path='data/camvid/img_dir/train',
                    seg_map_path=pseudo_dir + '/labels'),
                pipeline={{_base_.train_pipeline}}),
        ]))
