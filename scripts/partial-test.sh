#!/usr/bin/env bash
# Compile only the given TypeScript files (and what they import) into OUTDIR, then run
# the *.test.ts among them. For working on one area while other files are mid-edit:
#   scripts/partial-test.sh .build-crypto test/unit/crypto/*.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
out="$1"; shift
mkdir -p "$out"
files=$(printf '"../%s",' "$@" "types/sodium-native.d.ts")
cat > "$out/tsconfig.json" <<JSON
{ "extends": "../tsconfig.json",
  "compilerOptions": { "rootDir": "..", "outDir": "." },
  "include": [], "files": [${files%,}] }
JSON
npx tsc -p "$out/tsconfig.json"
tests=()
for f in "$@"; do case "$f" in *.test.ts) tests+=("$out/${f%.ts}.js");; esac; done
if [ ${#tests[@]} -gt 0 ]; then node --test "${tests[@]}"; fi
