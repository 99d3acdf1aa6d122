#!/usr/bin/env bash
# Fetches more emoji artwork styles for training (issue 18): Iconify emoji sets from the npm registry (pinned
# versions, sha512-checked like scripts/fetch_corpus.sh), maps their icons to the corpus' emoji through each set's
# chars table, and rasterizes them to 64x64 PNGs on white (librsvg's rsvg-convert, installed if missing) under
# data/cache/styles/, listed in data/styles_manifest.jsonl. Held-out concepts are skipped; @iconify-json/noto is
# not fetched (it is the test gallery's own artwork). Needs the corpus manifest (run scripts/fetch_corpus.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=data/cache
. scripts/npm_fetch.sh
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh
if ! command -v rsvg-convert >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q librsvg2-bin
fi

SETS=(
  "@iconify-json/emojione@1.2.3 sha512-T9+T3HIbJNLKKsmxYKlaYhvnHYkz/HNYTV7SHCXVZPfeUi4FqskY70YeN8yYAZT8cCv7w5vJxS4Q1m8zb9CMMg=="
  "@iconify-json/emojione-v1@1.2.3 sha512-UjI2VQEXVtGlPBvQuxEizro7QCgBcJDOYwKUupquvvZ8UV4xOlvm45IU82JYWegiAWLerY79gFLMZ26U6Ms+ww=="
  "@iconify-json/fluent-emoji@1.2.7 sha512-D8G6bKAyIsyxP1rzZtIWr/gg/fO4Rg1+DyCWlfqKK4h8W+4Em/Y0P6QYgJUQTlUcagzJvSyg+9OBv4hz4Hc/QA=="
  "@iconify-json/fluent-emoji-flat@1.2.6 sha512-RY47RgPb47fYUiyrA64sIOL0+UU02s29sXpNBbIQRBUlPlfNFTKUmZDERGuxDs/7yNGWqQYvuaSYM1M4fRXlUw=="
  "@iconify-json/fluent-emoji-high-contrast@1.2.6 sha512-esqhZPpkrF7sNX3NsLoh8KW64okEr/bzko7WNnFP+qTJGAqDPDYjp0925yxuivXy3HtVQB8xhIKu3+Nq1byX5w=="
  "@iconify-json/fxemoji@1.2.2 sha512-UAasRaxzFUKfIGSmLwnoarsssA4LX0VLLuEmplIqM6ZNQqIQRtav8tZ4H1neTlBreXuMQyAifr5jP4kn78DpiQ=="
  "@iconify-json/noto-v1@1.2.5 sha512-/DsVMius69Q0fRS53z7QK1TROSuar606jiIx+laXtdsYGMXpf6LtHBx6CGfoo3UHHb/XpBsw+1L1x3eyPqMuVA=="
  "@iconify-json/openmoji@1.2.29 sha512-vXdhkqcXVSO6suy+m9LbcUM3OdVyuNOtpV8/als/WqfkQIRxevL5Geb/g+6GH/Qwnq1OqksEmaDGTCmZ5nFKJQ=="
  "@iconify-json/streamline-emojis@1.2.4 sha512-iNr9T9XuZVTyQPJO8ZlLxBzPkpi7qMl+z1l0C31vpEMqhPMelth3n7CeWQYtixdetDPdI81yeG4ROqjWpYJE6A=="
)

dirs=()
for entry in "${SETS[@]}"; do
  spec=${entry%% *}
  name=${spec%@*}
  tarball=$(npm_fetch "$spec" "${entry#* }" "$CACHE")
  dest=$CACHE/styles-src/${name#@iconify-json/}
  if [ ! -d "$dest" ]; then
    mkdir -p "$dest.tmp"
    tar xzf "$tarball" -C "$dest.tmp" package/icons.json package/chars.json
    mv "$dest.tmp" "$dest"
  fi
  dirs+=("$dest/package")
done
/usr/bin/python3 -m tools.data.rasterize_styles "${dirs[@]}"
