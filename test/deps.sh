#!/bin/bash
# test/deps.sh: make sure the Debian packages that building and testing dpq
# need are installed.
#
#   postgresql-15                           server binaries (initdb, pg_ctl, postgres)
#   postgresql-server-dev-15                PGXS, pg_config, server headers, pg_regress
#   postgresql-15-pgtap                     the pgtap extension
#   libtap-parser-sourcehandler-pgtap-perl  pg_prove
#   python3-jsonschema                      validates the OpenLineage export (test/lineage)
#   graphviz                                dot, renders the lineage graphs (test/lineage)
#
# Fast path: when everything is installed this only asks dpkg and never runs
# apt.  When something is missing: as root, `apt-get update` once and install
# what is missing; as any other user, print the command to run and exit 1.
#
# Installing postgresql-15 may make Debian's postgresql-common create and
# start a 15/main cluster on port 5432.  That cluster is not ours: nothing in
# dpq's scripts uses it, and this script leaves it alone.
set -euo pipefail

PACKAGES=(
	postgresql-15
	postgresql-server-dev-15
	postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl
	python3-jsonschema
	graphviz
)

# is_installed PKG: true when dpkg says "install ok installed"
is_installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[ "$status" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "test/deps.sh: dpkg-query not found: this script expects Debian (bookworm)." >&2
	echo "test/deps.sh: install by hand: ${PACKAGES[*]}" >&2
	exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
	is_installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "test/deps.sh: missing packages: ${missing[*]}"

if [ "$(id -u)" -ne 0 ]; then
	echo "test/deps.sh: not root, so not installing them. Run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# No stdin in CI: make sure nothing waits for an answer.
apt-get update </dev/null
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null

# Check again: apt-get can succeed while leaving a package half-configured.
still=()
for p in "${missing[@]}"; do
	is_installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	echo "test/deps.sh: still not installed after apt-get: ${still[*]}" >&2
	exit 1
fi
echo "test/deps.sh: installed ${missing[*]}"
