#!/bin/bash
# What `make deploy-check` needs of the host (Debian 12), as root: podman with runc, debootstrap for the
# base image, libfaketime for the daemon's clock, curl; and podman's two settings for this kind of
# machine, in a drop-in of its own: runc (crun refuses a hybrid cgroup layout) and default ulimits no
# higher than the host's (podman's defaults ask for more and runc's setrlimit is refused).
set -eu
packages="podman runc debootstrap faketime curl"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || { echo "deploy-check: run as root (podman rootful, apt-get install$missing)"; exit 1; }
  echo "deploy-check: apt-get install$missing" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null; }
fi
conf=/etc/containers/containers.conf.d/shopee-deploy-check.conf
if [ ! -f "$conf" ]; then
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=1048576
  [ "$nofile" -gt 20000 ] && nofile=20000
  [ "$nproc" -gt 20000 ] && nproc=20000
  mkdir -p "$(dirname "$conf")"
  cat > "$conf" <<CONF
# Written by shopee-pipeline's deploy/check/setup-podman.sh (make deploy-check).
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
CONF
  echo "deploy-check: wrote $conf" >&2
fi
