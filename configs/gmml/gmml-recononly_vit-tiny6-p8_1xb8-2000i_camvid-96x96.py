# GMML ablation: reconstruction only (L = alpha * L_recons; the contrastive
# token and its momentum teacher off), otherwise the CPU recipe
# gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py.
_base_ = ['./gmml_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py']
model = dict(contrastive_head=None)
