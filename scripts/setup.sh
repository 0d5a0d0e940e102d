#!/usr/bin/env bash
# Installs the Debian packages sgdlab needs, only those that are missing.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail

# build: compiler, cmake, libraries of the field; plots: gnuplot; data: Fashion-MNIST;
# reference checks and benchmark peers: numpy/scipy (python3-torch is installed by `make bench`);
# the Python package and its tests: numpy, pytest, matplotlib (figures), pandas (tables), tqdm (progress
# bars of isolated runs); dpkg-dev for `make deb`;
# fuzzing (make fuzz, tests/cli_fuzz_smoke.sh): clang with libFuzzer and its OpenMP runtime.
PKGS=(build-essential cmake pkg-config librandom123-dev libopenblas-dev liblapacke-dev zlib1g-dev
      libcjson-dev libsuitesparse-dev libopenmpi-dev openmpi-bin gnuplot-nox dataset-fashion-mnist
      python3-numpy python3-scipy python3-pytest python3-matplotlib python3-pandas python3-tqdm dpkg-dev clang libclang-rt-14-dev libomp-dev)
if [ -n "${SGDL_EXTRA_PKGS:-}" ]; then read -r -a extra <<<"$SGDL_EXTRA_PKGS"; PKGS+=("${extra[@]}"); fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
