#!/usr/bin/env bash
# apt_install PACKAGE...: install Debian packages with apt-get (with sudo when not root), or say
# what to install where there is no apt. Sourced by scripts/bootstrap.sh, test.sh and postgres.sh
# (test.sh installs chromium, espeak-ng and sox with it).

apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
  else
    echo "heard: please install: $*" >&2
    return 1
  fi
}
