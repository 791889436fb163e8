#!/bin/sh
# Installs lnmesh @VERSION@ for @ARCH@ from this unpacked bundle: run it as root
# on the device, from the bundle's folder (sudo ./install.sh). It downloads
# nothing, and running it again upgrades in place: /etc/lnmesh and
# /var/lib/lnmesh (config, seed, channels) are kept.
#
#   1. checks this machine: Node.js 20 or later, built for @NODE_ARCH@
#   2. creates the system user lnmesh (in group dialout, for the serial ports)
#   3. copies the bundle to $PREFIX (default /opt/lnmesh), links /usr/local/bin/lnmesh
#   4. if /etc/lnmesh/node.yaml is absent: lnmesh init node, as user lnmesh
#      (creates the config and the node's seed, here on the device)
#   5. installs and enables lnmesh-node.service, without starting it
#
# Environment: PREFIX (default /opt/lnmesh); DESTDIR installs under another
# root without root rights, users or systemd (for tests and packaging).
set -eu

VERSION='@VERSION@'
ARCH='@ARCH@'
NODE_ARCH='@NODE_ARCH@'
PREFIX=${PREFIX:-/opt/lnmesh}
DESTDIR=${DESTDIR:-}
here=$(cd "$(dirname "$0")" && pwd)

say() { printf 'install.sh: %s\n' "$*"; }
fail() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

case "${1:-}" in
  -h | --help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0
    ;;
  '') ;;
  *) fail "unknown argument '$1' (try --help)" ;;
esac

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then fail 'run it as root: sudo ./install.sh'; fi

# 1. This machine.
machine=$(uname -m)
case "$machine" in
  @MACHINES@) ;;
  armv6l) fail "this is an ARMv6 machine (Raspberry Pi 1 or Zero W): Node.js 20 has no official build for it, and lnmesh does not support it" ;;
  *) fail "this bundle is for $ARCH, but this machine is $machine: use the bundle for it (lnmesh bundle --arch x64 for x86_64, arm64 for aarch64, armv7 for armv7l)" ;;
esac
if ! command -v node >/dev/null 2>&1; then
  fail 'Node.js is not installed: lnmesh needs Node.js 20 or later (see README.txt: apt install nodejs gives 18 on Debian 12)'
fi
node_version=$(node --version)
node_major=${node_version#v}
node_major=${node_major%%.*}
case "$node_major" in
  '' | *[!0-9]*) fail "cannot tell the version of Node.js (node --version printed '$node_version')" ;;
esac
if [ "$node_major" -lt 20 ]; then
  fail "Node.js $node_version is too old: lnmesh needs Node.js 20 or later (see README.txt)"
fi
node_arch=$(node -p process.arch)
if [ "$node_arch" != "$NODE_ARCH" ]; then
  case "$node_arch" in arm64) wanted=arm64 ;; arm) wanted=armv7 ;; x64) wanted=x64 ;; *) wanted='' ;; esac
  fail "this bundle's native modules are for $NODE_ARCH, but this Node.js is built for $node_arch${wanted:+: use the $wanted bundle (lnmesh bundle --arch $wanted)}"
fi
say "Node.js $node_version ($node_arch) on $machine"

as_lnmesh() {
  if [ -n "$DESTDIR" ]; then
    "$@"
  else
    (cd / && runuser -u lnmesh -- "$@")
  fi
}

# 2. The user.
if [ -z "$DESTDIR" ]; then
  if id lnmesh >/dev/null 2>&1; then
    usermod -a -G dialout lnmesh
  else
    useradd --system --user-group --groups dialout --home-dir /var/lib/lnmesh --no-create-home --shell /usr/sbin/nologin lnmesh
    say 'created the system user lnmesh (in group dialout)'
  fi
fi

# 3. The files: a fresh copy swapped in, so an interrupted upgrade leaves the old one whole.
target="$DESTDIR$PREFIX"
if [ "$here" != "$target" ]; then
  mkdir -p "$(dirname "$target")"
  rm -rf "$target.new" "$target.old"
  cp -R "$here" "$target.new"
  if [ -e "$target" ]; then mv "$target" "$target.old"; fi
  mv "$target.new" "$target"
  rm -rf "$target.old"
  say "copied lnmesh $VERSION to $target"
fi
mkdir -p "$DESTDIR/usr/local/bin"
ln -sfn "$PREFIX/bin/lnmesh" "$DESTDIR/usr/local/bin/lnmesh"

# 4. The config and the seed, made here (never on the build machine).
mkdir -p "$DESTDIR/etc/lnmesh" "$DESTDIR/var/lib/lnmesh"
if [ -z "$DESTDIR" ]; then
  chown lnmesh:lnmesh /etc/lnmesh /var/lib/lnmesh
  chmod 0750 /etc/lnmesh
  chmod 0700 /var/lib/lnmesh
fi
config="$DESTDIR/etc/lnmesh/node.yaml"
if [ -e "$config" ]; then
  say "kept $config"
else
  as_lnmesh "$target/bin/lnmesh" init node --config "$config" --data-dir "$DESTDIR/var/lib/lnmesh/node"
  say "created $config and the node's seed in $DESTDIR/var/lib/lnmesh/node"
fi

# 5. The service: enabled, not started.
unit="$DESTDIR/etc/systemd/system/lnmesh-node.service"
mkdir -p "$(dirname "$unit")"
sed "s|/opt/lnmesh|$PREFIX|g" "$here/lnmesh-node.service" >"$unit"
chmod 0644 "$unit"
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable lnmesh-node.service
  if systemctl is-active --quiet lnmesh-node.service; then
    say 'lnmesh-node is running the old version: sudo systemctl restart lnmesh-node'
  fi
else
  say "installed $unit (systemd is not running here: enable it yourself)"
fi

cat <<NEXT

lnmesh $VERSION is installed in $PREFIX. Next:
  1. write down the seed's 24 words, and keep them offline:
       sudo -u lnmesh lnmesh seed words --file /var/lib/lnmesh/node/seed
  2. edit /etc/lnmesh/node.yaml: the radio's serial port, the gateway's node id
  3. sudo systemctl start lnmesh-node
     journalctl -u lnmesh-node -f
NEXT
