#!/usr/bin/env bash
# Distributed training over torchrun: dist_train.sh CONFIG GPUS [train.py options]
# GPUS is the number of processes (on a CPU-only machine they use gloo);
# PYTHON picks the interpreter; by default the virtual environment's
# ($MMSSL_VENV/bin/python, MMSSL_VENV defaulting to the repository's .venv as
# in the Makefile) if it exists, else python3 on the PATH.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
VENV=${MMSSL_VENV:-"$(dirname "$0")/../.venv"}
if [ -z "$PYTHON" ]; then
    PYTHON=python3
    [ -x "$VENV/bin/python" ] && PYTHON="$VENV/bin/python"
fi

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
