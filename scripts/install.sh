#!/usr/bin/env bash
# Install the pinned OpenMMLab stack and mmssl_seg into a virtual environment.
#
#   MMSSL_VENV   where the environment lives (default: <repo>/.venv)
#   MMSSL_CACHE  where the built mmcv wheel is kept between installs (default: ~/.cache/mmssl_seg)
#
# Re-running on a machine where everything is in place only checks the environment.
# See docs/stack_traps.md for why each step is the way it is.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${MMSSL_VENV:-$repo/.venv}
cache=${MMSSL_CACHE:-$HOME/.cache/mmssl_seg}
py=$venv/bin/python
stamp=$venv/.mmssl_seg_installed
mkdir -p "$cache/wheels"

log() { printf '[install] %s\n' "$*"; }
fail() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

# The stamp names the requirements and this checkout, so a shared MMSSL_VENV
# never runs another clone's code.
req_hash=$( (cat "$repo"/requirements/*.txt "$repo/setup.py"; echo "$repo") \
  | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$req_hash" ] \
   && "$py" -c 'import mmssl_seg, mmcv.ops' 2>/dev/null; then
  log "environment at $venv is up to date"
  exit 0
fi

if [ ! -x "$py" ]; then
  command -v python3.11 >/dev/null || fail "python3.11 not found on PATH"
  log "creating virtual environment at $venv"
  python3.11 -m venv "$venv"
fi
pip=("$py" -m pip install --disable-pip-version-check -q)

# Trap 1: a local CPU-only torch wheel breaks the registry's torchvision. An empty
# find-links folder makes pip take the registry builds of both.
empty_links=$(mktemp -d)
trap 'rmdir "$empty_links"' EXIT
if ! "$py" -c 'import torch, torchvision; assert torch.__version__.startswith("2.13.0")' 2>/dev/null; then
  log "installing torch and torchvision from the registry (about 2 minutes)"
  PIP_FIND_LINKS=$empty_links "${pip[@]}" -r "$repo/requirements/torch.txt"
fi
"$py" - <<'PY' || fail "torchvision.ops.nms does not run: torch and torchvision do not match (a CPU-only torch wheel?). Remove the environment and re-run with PIP_FIND_LINKS pointing at an empty folder."
import torch, torchvision
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.]])
keep = torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
assert keep.tolist() == [0], keep
PY
log "torch $("$py" -c 'import torch; print(torch.__version__)') and torchvision.ops.nms work"

# Trap 2: mmcv must be the full build, compiled from source; keep the wheel outside the clone.
PIP_FIND_LINKS=$empty_links "${pip[@]}" -r "$repo/requirements/build.txt"
if ! "$py" -c 'import mmcv.ops' 2>/dev/null; then
  wheel=$(ls "$cache"/wheels/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    log "building mmcv 2.1.0 with compiled ops (about 13 minutes on 2 cores; cached in $cache/wheels)"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} PIP_FIND_LINKS=$empty_links \
      "$py" -m pip wheel --disable-pip-version-check -q --no-build-isolation --no-deps \
      -w "$cache/wheels" mmcv==2.1.0
    wheel=$(ls "$cache"/wheels/mmcv-2.1.0-*.whl | head -n1)
  fi
  log "installing $wheel"
  PIP_FIND_LINKS=$empty_links "${pip[@]}" "$wheel"
fi

log "installing mmengine, mmsegmentation, mmpretrain and mmssl_seg (editable, with test extras)"
PIP_FIND_LINKS=$empty_links "${pip[@]}" -r "$repo/requirements/mminstall.txt" \
  -r "$repo/requirements/runtime.txt" -r "$repo/requirements/tests.txt"
PIP_FIND_LINKS=$empty_links "${pip[@]}" --no-deps -e "$repo[tests]"

"$py" -c 'import mmcv.ops, mmseg.models, mmpretrain.models, mmssl_seg' \
  || fail "the stack does not import; see the message above"
echo "$req_hash" > "$stamp"
log "done: activate with 'source $venv/bin/activate'"
