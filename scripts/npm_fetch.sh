# Sourced by the data scripts. npm_fetch SPEC INTEGRITY DIR: `npm pack` a pinned package into DIR (once),
# check the tarball against the pinned sha512 integrity, and print the tarball's path.
npm_fetch() {
  local spec=$1 integrity=$2 dir=$3
  local name=${spec%@*} version=${spec##*@}
  local base=${name#@}  # npm pack names a scoped package's tarball without the @: scope-name-version.tgz
  local tarball=$dir/${base//\//-}-$version.tgz
  mkdir -p "$dir"
  if [ ! -f "$tarball" ]; then
    echo "fetching $spec" >&2
    (cd "$dir" && npm pack --silent "$spec" >/dev/null)
  fi
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "integrity mismatch for $tarball: $actual" >&2
    return 1
  fi
  echo "$tarball"
}
