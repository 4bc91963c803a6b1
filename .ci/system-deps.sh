#!/usr/bin/env bash
# Installs the Debian packages the tests use (socat for PTYs, mosquitto as the central broker,
# mbpoll and libmodbus as independent Modbus peers, redis for the broker cluster, chromium for
# the page tests), but only those missing, so it is cheap to run before every test run.
set -euo pipefail
need=()
command -v socat >/dev/null || need+=(socat)
# strace: test/store/wal-sync-order.test.ts watches the store's writes and syncs.
command -v strace >/dev/null || need+=(strace)
command -v mosquitto >/dev/null || need+=(mosquitto)
command -v mosquitto_sub >/dev/null || need+=(mosquitto-clients)
command -v mbpoll >/dev/null || need+=(mbpoll)
[ -f /usr/include/modbus/modbus.h ] || need+=(libmodbus-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v gcc >/dev/null || need+=(gcc)
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium)
# A CJK font, so that the pages' screenshots (docs/screenshots, taken by test/web) show Chinese.
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "installing system packages for the tests: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
