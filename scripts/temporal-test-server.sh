#!/usr/bin/env bash
# Temporal's time-skipping test server: the Java SDK's io.temporal.testserver.TestServer, which
# @temporalio/testing's createTimeSkipping() would otherwise download at run time (no such download
# works here). Its jars come from Maven Central, cached under $AAR_CACHE_DIR.
#
#   bash scripts/temporal-test-server.sh install       # resolve the jars, write the launcher; instant when current
#   bash scripts/temporal-test-server.sh --print-path  # print the launcher; exit 1 when it is not installed
#
# The launcher takes what the SDK passes (`<port> [flags]`) and execs java, so stopping it stops the server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION="1.31.0"
dir="$AAR_CACHE_DIR/temporal-test-server-$VERSION"
launcher="$dir/temporal-test-server"

# The server's JVM flags: C1 only and the serial GC start it fastest (the SDK gives it 5 s to answer).
flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$dir/lib/*" io.temporal.testserver.TestServer)

# The launcher for the java given, with the class archive that install dumps.
launcher_text() {
  echo '#!/bin/sh'
  echo "# Written by scripts/temporal-test-server.sh: Temporal's time-skipping test server $VERSION."
  echo '# Usage: temporal-test-server <port> [--enable-time-skipping]'
  echo "java='$1'"
  # The server runs as this process (exec), so whoever stops this pid stops it. A watchdog stops
  # it too when the process that started it dies without doing so (a test process that crashed).
  echo 'parent=$PPID self=$$'
  echo '(while kill -0 "$parent" && kill -0 "$self"; do sleep 1; done; kill "$self") </dev/null >/dev/null 2>&1 &'
  echo "exec \"\$java\" -Xshare:auto -XX:SharedArchiveFile='$dir/classes.jsa' -Xlog:cds=off ${flags[*]@Q} \"\$@\""
}

# Installed when the server's jar, the java the launcher names, and the launcher as written today are there.
installed() {
  local java
  [ -x "$launcher" ] && [ -f "$dir/lib/temporal-test-server-$VERSION.jar" ] || return 1
  java=$(sed -n "s/^java='\(.*\)'$/\1/p" "$launcher")
  [ -x "$java" ] && [ "$(cat "$launcher")" = "$(launcher_text "$java")" ]
}

# Runs the command given, with a free port appended, until it answers on that port (30 s at most),
# then stops it. Fails, showing the command's output, when it never answers.
serves() {
  local port log pid ok=1
  port=$("$AAR_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log=$(mktemp)
  "$@" "$port" >"$log" 2>&1 &
  pid=$!
  wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" && ok=0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ "$ok" = 0 ] || tail -n 40 "$log" >&2
  rm -f "$log"
  return "$ok"
}

install() {
  command -v java >/dev/null || apt_install default-jre-headless
  command -v mvn >/dev/null || apt_install maven
  mkdir -p "$AAR_CACHE_DIR"
  exec 9>"$AAR_CACHE_DIR/temporal-test-server.lock"
  flock 9 # two test runs at once install it once
  installed && return 0
  say "installing Temporal's time-skipping test server $VERSION into $dir (Maven Central; first run only)"
  local tmp java
  tmp=$(mktemp -d "$AAR_CACHE_DIR/temporal-test-server.XXXXXX")
  # A pom with the one dependency: copy-dependencies puts its jar and every jar it needs in lib/.
  cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.aar</groupId>
  <artifactId>temporal-test-server-jars</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  if ! mvn -B -Dstyle.color=never -f "$tmp/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/lib" >"$tmp/mvn.log" 2>&1; then
    tail -n 40 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "resolving io.temporal:temporal-test-server:$VERSION from Maven Central failed (the mvn output is above)"
  fi
  rm -f "$tmp/pom.xml" "$tmp/mvn.log"
  chmod 755 "$tmp"
  rm -rf "$dir" && mv "$tmp" "$dir"
  java=$(readlink -f "$(command -v java)")
  # One run dumps an archive of the server's classes, which starts it in about a second.
  serves "$java" -XX:ArchiveClassesAtExit="$dir/classes.jsa" "${flags[@]}" \
    || { rm -rf "$dir"; die "the test server did not start (its output is above)"; }
  launcher_text "$java" >"$launcher"
  chmod +x "$launcher"
  serves "$launcher" || { rm -rf "$dir"; die "the test server's launcher did not start it (its output is above)"; }
  say "time-skipping test server ready: $launcher"
}

case "${1:-}" in
  install) install ;;
  --print-path)
    installed || die "Temporal's time-skipping test server is not installed: run bash scripts/temporal-test-server.sh install"
    echo "$launcher"
    ;;
  *) die "usage: temporal-test-server.sh install|--print-path" ;;
esac
