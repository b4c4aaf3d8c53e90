# shellcheck shell=bash
# The shell helpers every script of the project shares: messages for people. Sourced, not
# executed. A script sets LOG_TAG (e.g. `cluster`) before it logs.

# log MESSAGE...: one line on stderr, tagged and timed.
log() { printf '[%s %s] %s\n' "${LOG_TAG:-psk}" "$(date +%H:%M:%S)" "$*" >&2; }

# die MESSAGE...: says what went wrong on stderr and exits 1.
die() {
    printf '[%s] ERROR: %s\n' "${LOG_TAG:-psk}" "$*" >&2
    exit 1
}

# step MESSAGE...: a heading between the parts of a long command.
step() { printf '\n==> %s\n' "$*" >&2; }

# apt_get ARGS...: apt-get, one at a time across the project's scripts (the toolchain, the
# images and the cluster install their packages concurrently), waiting for dpkg's own lock.
apt_get() {
    DEBIAN_FRONTEND=noninteractive flock /run/lock/pyspark-k8s-apt.lock \
        apt-get -o DPkg::Lock::Timeout=600 "$@"
}
