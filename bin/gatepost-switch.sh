#!/bin/sh
# gatepost-switch VERSION: make an installed release the one the service runs, in one command,
# and back again the same way (docs/install.md, Upgrades). Releases sit side by side in
# /opt/gatepost-releases/<version>/, each unpacked and installed (npm ci --omit=dev); /opt/gatepost
# is a symlink to one of them, the path the systemd unit names. The switch checks the site config
# with the target release first, swaps the symlink atomically and restarts the service, which
# (Type=notify) returns only once the gateway is ready, or fails.
#   GATEPOST_RELEASES (default /opt/gatepost-releases), GATEPOST_LINK (default /opt/gatepost),
#   GATEPOST_CONFIG (default /etc/gatepost/site.yaml), GATEPOST_SERVICE (default gatepost).
set -eu
RELEASES=${GATEPOST_RELEASES:-/opt/gatepost-releases}
LINK=${GATEPOST_LINK:-/opt/gatepost}
CONFIG=${GATEPOST_CONFIG:-/etc/gatepost/site.yaml}
SERVICE=${GATEPOST_SERVICE:-gatepost}

current=""
[ -L "$LINK" ] && current=$(readlink "$LINK")
if [ $# -ne 1 ]; then
  echo "usage: gatepost-switch VERSION" >&2
  echo "installed in $RELEASES:" >&2
  for d in "$RELEASES"/*/; do
    v=$(basename "$d")
    if [ "${d%/}" = "$current" ] || [ "$v" = "$(basename "${current:-/}")" ]; then echo "  $v (running)" >&2; else echo "  $v" >&2; fi
  done
  exit 2
fi
target="$RELEASES/$1"
if [ ! -f "$target/dist/manifest.json" ] || [ ! -f "$target/bin/gatepost.js" ]; then
  echo "gatepost-switch: no release at $target" >&2
  exit 1
fi
if [ ! -d "$target/node_modules/better-sqlite3" ]; then
  echo "gatepost-switch: $target is not installed: cd $target && npm ci --omit=dev" >&2
  exit 1
fi
node "$target/bin/gatepost.js" check-config "$CONFIG"
ln -sfn "$target" "$LINK.switching"
mv -T "$LINK.switching" "$LINK"
echo "gatepost-switch: $LINK -> $target (was ${current:-nothing}); restarting $SERVICE"
systemctl restart "$SERVICE"
echo "gatepost-switch: $SERVICE runs $(node "$LINK/bin/gatepost.js" --version)"
[ -n "$current" ] && echo "back with: gatepost-switch $(basename "$current")"
exit 0
