#!/usr/bin/env bash
# Installs every build, test and lab dependency from Debian packages. Idempotent: does
# nothing when all packages are present. Stops the packaged daemons that would otherwise
# hold port 53; the lab starts its own instances on loopback.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang-format git
  libldns-dev libunbound-dev libssl-dev libcurl4-openssl-dev libtomlplusplus-dev
  libsqlite3-dev libgtest-dev libgmock-dev libevent-dev
  ldnsutils bind9 bind9-utils bind9-dnsutils knot knot-dnssecutils knot-dnsutils nsd
  unbound unbound-host dnsviz python3-pygraphviz iproute2 procps time openssl python3
  libxml2-dev nginx-core  # tar/: RFC 9718 XML parsing; HTTPS trust-anchor repository in the lab
  libmicrohttpd-dev python3-aiosmtpd prometheus
  libjemalloc-dev  # the trustsync binary's allocator (many signing threads; see CMakeLists.txt)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Packaged daemons bind port 53 on every address; the lab runs its own.
for svc in named bind9 nsd knot unbound; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
exit 0
