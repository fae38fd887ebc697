#!/usr/bin/env bash
# `npm test` on a fresh clone of HEAD, as a new machine would run it (scripts/fresh-env.sh).
#   scripts/fresh-machine.sh [-- extra args for npm test]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ "${1:-}" = "--" ] && shift
source "$repo/scripts/fresh-env.sh"
git clone -q "$repo" "$fresh_work/repo"
cd "$fresh_work/repo"
start=$(date +%s)
npm test "$@"
echo "fresh machine: npm test passed in $(( $(date +%s) - start )) s"
