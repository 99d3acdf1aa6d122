#!/usr/bin/env bash
# Fetches the emoji image/caption corpus from the npm registry with `npm pack` (pinned versions), checks each
# tarball's sha512 against the pinned integrity, and unpacks the 64x64 PNGs and the metadata into data/cache/.
# Images are never committed. Then builds the manifest (data/manifest.jsonl) and the Karpathy JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=data/cache
. scripts/npm_fetch.sh

PACKAGES=(
  "emoji-datasource-google@16.0.0 sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A=="
  "emoji-datasource-apple@16.0.0 sha512-dVYjsK0FnCry9F+PBtnivhG2K0xdwlmqYaSgiUtztUdAGPYiHYhZcVKvNBqC791g2qyEcFNTBO6utg4eQ3uLTw=="
  "emoji-datasource-twitter@16.0.0 sha512-7F+uCuHH+7Qnrc15P5tnbvKkg9E6tlzi4MnT2uW1RlN4pLYTza6cP/dstIfSDMtpjFLWuZewWg8jBbuL2eyELQ=="
  "emoji-datasource-facebook@16.0.0 sha512-b9ZxJdB7nMWGckH1vyCjPSosaa6MJYuojPPFiQ0LmDIZS8vlG454XKcmTFKrXIMAA72O4MRJMYFhvWI8pjyciQ=="
  "emojibase-data@17.0.0 sha512-Yvgb5AWoHViHV/gq1qr5ZAarcBip+B27/ZLRsUJkbgAEaLlZ/fof9g882LTpmEpyhBNEC0m2SEmItljHsTygjA=="
)

for entry in "${PACKAGES[@]}"; do
  spec=${entry%% *}
  integrity=${entry#* }
  name=${spec%@*}
  tarball=$(npm_fetch "$spec" "$integrity" "$CACHE")
  dest=$CACHE/$name
  if [ ! -d "$dest" ]; then
    mkdir -p "$dest.tmp"
    case "$name" in
      emoji-datasource-*) tar xzf "$tarball" -C "$dest.tmp" --wildcards 'package/emoji.json' "package/img/${name#emoji-datasource-}/64/*" ;;
      emojibase-data) tar xzf "$tarball" -C "$dest.tmp" package/en/data.json package/package.json ;;
    esac
    mv "$dest.tmp" "$dest"
  fi
  echo "ok  $spec  $(find "$dest" -name '*.png' | wc -l) images"
done
/usr/bin/python3 -m tools.data.build_manifest
