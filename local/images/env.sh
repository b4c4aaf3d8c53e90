# shellcheck shell=bash
# Source this file (bash) to talk to the local image toolchain started by `images.sh up`:
#   . local/images/env.sh
# DOCKER_HOST            the project's own dockerd (not a system one, if any)
# LOCAL_REGISTRY         the local registry (plain HTTP on loopback; no auth)
# SPARK_BASE_IMAGE_TAG   tag of the Spark 3.5 base image (the default) in the local registry
# SPARK_BASE_IMAGE       the same image pinned by digest (once `images.sh up` has run)
# SPARK4_BASE_IMAGE_TAG  tag of the Spark 4 base image in the local registry
# SPARK4_BASE_IMAGE      the same image pinned by digest (once `images.sh up` has run)
_psk_images_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_psk_images_state="${PSK_STATE:-/var/lib/pyspark-k8s}/images"
_psk_images_pin() { sed -n "s/^$1=//p" "${_psk_images_dir}/versions.env"; }
export DOCKER_HOST="unix://${_psk_images_state}/docker.sock"
LOCAL_REGISTRY="$(_psk_images_pin LOCAL_REGISTRY_ADDR)"
SPARK_BASE_IMAGE_TAG="${LOCAL_REGISTRY}/$(_psk_images_pin SPARK_IMAGE_REPO):$(_psk_images_pin SPARK_IMAGE_TAG)"
SPARK4_BASE_IMAGE_TAG="${LOCAL_REGISTRY}/$(_psk_images_pin SPARK_IMAGE_REPO):$(_psk_images_pin SPARK4_IMAGE_TAG)"
export LOCAL_REGISTRY SPARK_BASE_IMAGE_TAG SPARK4_BASE_IMAGE_TAG
if [ -s "${_psk_images_state}/spark-base.ref" ]; then
    SPARK_BASE_IMAGE="$(cat "${_psk_images_state}/spark-base.ref")"
    export SPARK_BASE_IMAGE
fi
if [ -s "${_psk_images_state}/spark4-base.ref" ]; then
    SPARK4_BASE_IMAGE="$(cat "${_psk_images_state}/spark4-base.ref")"
    export SPARK4_BASE_IMAGE
fi
# BUILD_CA_CERTS         the machine's own CA certificates (Debian's local additions), for the
#                        job image build's jar resolution when TLS goes through an inspecting proxy
if compgen -G "/usr/local/share/ca-certificates/*.crt" > /dev/null; then
    export BUILD_CA_CERTS=/usr/local/share/ca-certificates
fi
unset -f _psk_images_pin
unset _psk_images_dir _psk_images_state
