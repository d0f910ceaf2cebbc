# GMML ablation: corruption blocks aligned to the 8x8 patches (whole patches
# only) instead of unaligned, otherwise the CPU recipe
# gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py.
_base_ = ['./gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py']
model = dict(corruption=dict(align_to_patch=True))
