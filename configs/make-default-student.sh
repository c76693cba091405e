#!/usr/bin/env bash
# Rebuilds the embedded default from nothing: the synthetic data set, its tokenizer and the pretrained student.
# Deterministic for a given machine and thread count (seeds below); takes about an hour on 2 cores
# (the default student about 15 minutes, the experiment's student about 40).
set -euo pipefail
cd "$(dirname "$0")/.."
bin/thinktune data synth --seed 7 --train 10000 --test 500 --difficulty easy --reflective 0.15 \
    --quotes configs/prompts/unknown-behavior --quote-rows 200 --out data/arith
mkdir -p models/arith-tiny
bin/thinktune tokenizer train --input data/arith/pretrain.jsonl --vocab 768 --out models/arith-tiny
bin/thinktune pretrain --config configs/pretrain-arith-tiny.yaml
# the student of the unknown-behaviour experiment (configs/unknown-behavior.yaml), same tokenizer
bin/thinktune pretrain --config configs/pretrain-arith-tiny-strong.yaml
