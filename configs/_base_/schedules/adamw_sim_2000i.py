# SIM pretraining on GMML's CPU schedule (adamw_gmml_2000i.py: 2000
# iterations at batch 8, lr 5e-4, 20 warm-up iterations, cosine to 0), so
# the two compare at one budget; SIM's own base lr, 6.25e-5 x batch / 256,
# would be 2e-6 at batch 8. SIM's optimiser otherwise (Tao et al.,
# arXiv:2206.01204, public code): AdamW betas (0.9, 0.95), gradient clipping
# at 1.0.
_base_ = ['./adamw_gmml_2000i.py']
optim_wrapper = dict(
    optimizer=dict(betas=(0.9, 0.95)), clip_grad=dict(max_norm=1.0))
