#!/usr/bin/env bash
# Rebuilds the embedded default from nothing: the synthetic data set, its tokenizer and the pretrained student.
# Deterministic for a given machine and thread count (seeds below); takes about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bin/thinktune data synth --seed 7 --train 10000 --test 500 --difficulty easy --reflective 0.15 --out data/arith
mkdir -p models/arith-tiny
bin/thinktune tokenizer train --input data/arith/pretrain.jsonl --vocab 768 --out models/arith-tiny
bin/thinktune pretrain --config configs/pretrain-arith-tiny.yaml
