# Multi-scale (0.5 ... 1.75 of the test scale) + horizontal flip views for
# `tools/test.py --tta`; `SegTTAModel` averages the softmax outputs of the 12
# views. Each dataset config builds its `tta_pipeline` from them, checking the
# labels with its own number of classes (TestTimeAug runs one pipeline per
# choice from each inner list, so single transforms are one-element lists):
#   tta_pipeline = [
#       dict(type='LoadImageFromFile'),
#       dict(type='TestTimeAug', transforms=[
#           {{_base_.tta_resizes}}, {{_base_.tta_flips}},
#           [dict(type='LoadAnnotations')],
#           [dict(type='ValidateSegLabels', num_classes=num_classes)],
#           [dict(type='PackSegInputs')]])]
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_resizes = [
    dict(type='Resize', scale_factor=r, keep_ratio=True) for r in img_ratios
]
tta_flips = [
    dict(type='RandomFlip', prob=0., direction='horizontal'),
    dict(type='RandomFlip', prob=1., direction='horizontal')
]
