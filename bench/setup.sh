#!/usr/bin/env bash
# Installs what bench/run.sh needs. Idempotent: does nothing when everything is in place.
#   - oha (fixed-rate HTTP load generator) from crates.io, pinned
#   - curl, jq from Debian (to sign in and create the bench token)
# PostgreSQL (for `run.sh postgres`) is found or started by run.sh itself.
set -euo pipefail

OHA_VERSION="${OHA_VERSION:-1.16.0}"

have_oha() {
    command -v oha >/dev/null 2>&1 && oha --version 2>/dev/null | grep -q " ${OHA_VERSION}\b"
}

if ! have_oha; then
    echo "bench/setup.sh: installing oha ${OHA_VERSION} from crates.io (a few minutes on 2 cores)"
    # nice: the lead may be building or testing at the same time.
    CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" nice -n 10 \
        cargo install oha --version "${OHA_VERSION}" --locked
fi

missing=()
for tool in curl jq python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "bench/setup.sh: installing ${missing[*]} from Debian"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}"
fi

oha --version
