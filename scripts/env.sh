# Sourced by the scripts: picks a JDK 21+ explicitly (never the machine default, which is 17 here).
if [ -z "${RF_JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then RF_JAVA_HOME=$candidate; break; fi
  done
fi
if [ -z "${RF_JAVA_HOME:-}" ]; then
  echo "OpenSearch 3.6 needs a JDK 21+ and none was found (looked for temurin-25, java-21-openjdk, temurin-21 under" >&2
  echo "/usr/lib/jvm; this Debian's apt has none): install one and point RF_JAVA_HOME at it" >&2
  exit 1
fi
export RF_JAVA_HOME
export JAVA_HOME=$RF_JAVA_HOME
