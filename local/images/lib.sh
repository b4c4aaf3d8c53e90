# shellcheck shell=bash disable=SC2034
# Settings shared by the image toolchain's scripts (packages.sh, engine.sh, registry.sh,
# base-image.sh). Sourced, not executed.

IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$IMAGES_DIR/versions.env"
LOG_TAG=images
# shellcheck source=../../scripts/common.sh
. "$IMAGES_DIR/../../scripts/common.sh"
# shellcheck source=../lib/process.sh
. "$IMAGES_DIR/../lib/process.sh"
# shellcheck source=../lib/progress.sh
. "$IMAGES_DIR/../lib/progress.sh"

CACHE=${PSK_CACHE:-$HOME/.cache/pyspark-k8s}/images
STATE=${PSK_STATE:-/var/lib/pyspark-k8s}/images

DOCKER_DATA=$CACHE/docker
DOCKER_EXEC=$STATE/docker-exec
DOCKER_SOCK=$STATE/docker.sock
DOCKER_PIDFILE=$STATE/dockerd.pid
DOCKER_LOG=$STATE/dockerd.log
CTRD_ROOT=$CACHE/containerd
CTRD_STATE=$STATE/containerd
CTRD_SOCK=$CTRD_STATE/containerd.sock
CTRD_PIDFILE=$STATE/containerd.pid
CTRD_LOG=$STATE/containerd.log
REG_DATA=$CACHE/registry
REG_PIDFILE=$STATE/registry.pid
REG_LOG=$STATE/registry.log
REG_CONFIG=$STATE/registry.yml

REGISTRY=$LOCAL_REGISTRY_ADDR
SPARK_IMAGE=$REGISTRY/$SPARK_IMAGE_REPO

export DOCKER_HOST=unix://$DOCKER_SOCK
export DOCKER_BUILDKIT=0               # classic builder: no frontend image to pull
export DOCKER_CONFIG=$STATE/docker-cli # keep host credential helpers out of the way
# The Debian CLI matches the daemon (20.10); any docker CLI works with the socket.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

need_root() { [ "$(id -u)" = 0 ] || die "run as root (dockerd, debootstrap and apt need it)"; }
