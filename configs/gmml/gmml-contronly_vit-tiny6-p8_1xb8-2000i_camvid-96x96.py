# GMML ablation: contrastive token only (L = L_contr on the corrupted views;
# no reconstruction head), otherwise the CPU recipe
# gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py. The picture hook needs a
# reconstruction, so it is off.
_base_ = ['./gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py']
model = dict(head=None)
custom_hooks = []
