# Sourced by scripts/test.sh, scripts/demo.sh and scripts/eval.sh (and so by .ci/run): installs what the build,
# the nodes and the Python tools need when it is missing (Debian packages: Maven, unzip, curl, npm, Python 3 with
# NumPy and regex; with RF_BROWSER=1, as scripts/test.sh sets it, chromium and chromium-driver for the web UI's
# browser test), then picks the JDK (scripts/env.sh). The model scripts add torch & co. (scripts/python_deps.sh).
need_apt=()
command -v mvn >/dev/null || need_apt+=(maven)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v curl >/dev/null || need_apt+=(curl)
command -v npm >/dev/null || need_apt+=(npm)
[ -x /usr/bin/python3 ] || need_apt+=(python3)
# OpenSearch 3.x needs Java 21+: when env.sh finds none, Debian releases that package one get it installed here,
# others are told by env.sh below
if ! (. "$(dirname "${BASH_SOURCE[0]}")/env.sh") >/dev/null 2>&1 \
  && apt-cache policy openjdk-21-jdk-headless 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  need_apt+=(openjdk-21-jdk-headless)
fi
if [ "${RF_BROWSER:-0}" = 1 ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
fi
/usr/bin/python3 -c 'import numpy' 2>/dev/null || need_apt+=(python3-numpy)
/usr/bin/python3 -c 'import regex' 2>/dev/null || need_apt+=(python3-regex)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${need_apt[*]}; install them (apt-get install ${need_apt[*]}) or run this as root" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
fi
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
