# shellcheck shell=bash
# Assembles tiny single-layer images as docker-archive tarballs (no Docker, no
# registry) and imports them into the cluster's containerd (namespace k8s.io).

# _docker_archive REF ROOTFS_DIR OUT_TAR PROCESS_JSON (e.g. "Entrypoint":["/pause"])
_docker_archive() {
    local ref="$1" rootfs="$2" out="$3" proc="$4" tmp diff cfg cfgsha
    tmp="$(mktemp -d)"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$tmp/layer.tar" .
    diff="$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
    mkdir -p "$tmp/$diff"
    mv "$tmp/layer.tar" "$tmp/$diff/layer.tar"
    cfg="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\",\"config\":{\"Env\":[\"PATH=/bin:/usr/bin:/sbin:/usr/sbin\"],$proc,\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diff\"]},\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"local/cluster image assembly\"}]}"
    cfgsha="$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)"
    printf '%s' "$cfg" > "$tmp/$cfgsha.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfgsha" "$ref" "$diff" > "$tmp/manifest.json"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp" -cf "$out" manifest.json "$cfgsha.json" "$diff"
    rm -rf "$tmp"
}

# build_images: writes pause.tar and busybox.tar into IMG_DIR, cached under a key of
# this file, the versions and the pause binary.
build_images() {
    local r key
    key="$(cat "$CLUSTER_DIR/lib/images.sh" "$CLUSTER_DIR/versions.env" "$BIN_DIR/pause" /bin/busybox | sha256sum | cut -c1-16)"
    IMG_DIR="$CACHE_DIR/images-$key"
    mkdir -p "$IMG_DIR"
    if [ ! -s "$IMG_DIR/pause.tar" ]; then
        r="$(mktemp -d)"
        install -m 0755 "$BIN_DIR/pause" "$r/pause"
        _docker_archive "$PAUSE_IMAGE" "$r" "$IMG_DIR/pause.tar.tmp" '"Entrypoint":["/pause"]'
        mv "$IMG_DIR/pause.tar.tmp" "$IMG_DIR/pause.tar"
        rm -rf "$r"
    fi
    if [ ! -s "$IMG_DIR/busybox.tar" ]; then
        [ -x /bin/busybox ] || die "/bin/busybox missing: apt-get install busybox-static"
        r="$(mktemp -d)"
        mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root"
        chmod 1777 "$r/tmp"
        install -m 0755 /bin/busybox "$r/bin/busybox"
        local a
        for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"; done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
        printf 'root:x:0:\nnobody:x:65534:\n' > "$r/etc/group"
        _docker_archive "$TEST_IMAGE" "$r" "$IMG_DIR/busybox.tar.tmp" '"Cmd":["sh"]'
        mv "$IMG_DIR/busybox.tar.tmp" "$IMG_DIR/busybox.tar"
        rm -rf "$r"
    fi
}

# import_images: loads both images into containerd's k8s.io namespace (idempotent).
import_images() {
    local t
    for t in pause busybox; do
        _ctr -n k8s.io images import "$IMG_DIR/$t.tar" > /dev/null \
            || die "ctr images import $IMG_DIR/$t.tar failed (see $LOG_DIR/containerd.log)"
    done
    _ctr -n k8s.io images label "$PAUSE_IMAGE" io.cri-containerd.pinned=pinned > /dev/null 2>&1 || true
}
