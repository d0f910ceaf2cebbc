# SIM ablation: the dense UniGrad term only (global_weight 0; dense tokens
# still centred per image), otherwise the CPU recipe
# sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py. The SIM paper reports that
# the global term is not needed.
_base_ = ['./sim_vit-tiny6-p8_1xb8-2000i_camvid-96x96.py']
model = dict(head=dict(loss=dict(global_weight=0.)))
