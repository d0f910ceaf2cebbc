# GMML ablation: blocks set to zeros (the mean colour) instead of the
# noise-replace corruption, up to 70% of the image, otherwise the CPU recipe
# gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py.
_base_ = ['./gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py']
model = dict(corruption=dict(types='zeros'))
