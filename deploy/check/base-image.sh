#!/bin/sh
# Builds the Debian bookworm base image deploy-check builds deploy/Dockerfile on (BASE_IMAGE), from
# Debian's own packages with debootstrap, where no image registry is reachable. Idempotent: does nothing
# when the image exists. Usage: deploy/check/base-image.sh [IMAGE] (default localhost/debian:bookworm).
set -eu
image="${1:-localhost/debian:bookworm}"
if podman image exists "$image"; then
  exit 0
fi
# The mirror apt already uses on this machine (deb822 sources first, then the classic list).
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
mirror="${mirror:-http://deb.debian.org/debian}"
root=$(mktemp -d /tmp/deploy-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base-image: debootstrap --variant=minbase bookworm from $mirror" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
tar -C "$root" -c . | podman import - "$image" >/dev/null
echo "base-image: $image imported" >&2
