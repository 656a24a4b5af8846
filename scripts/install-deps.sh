#!/usr/bin/env bash
# Installs every Debian package grantor needs to build, test and run its demo.
# Idempotent: packages already present are left alone; apt-get runs only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git zip unzip
  libboost-dev libboost-system-dev
  libcli11-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libpqxx-dev libpq-dev libmariadb-dev
  libssl-dev
  openssl  # tests/servers: the throwaway CA of the TLS test servers
  libelf-dev  # tests/packaging reads the built charms' ELF files
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev  # tests/fuzz: libFuzzer
  postgresql-15 postgresql-client-15
  mariadb-server mariadb-client
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The server packages must not start system-wide services: tests start their own private servers.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
