# Sourced by .ci/run and usable by developers: exports JAVA_HOME for the newest JDK >= 21 found.
if [ -n "${JAVA_HOME:-}" ] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  :
else
  JAVA_HOME=""
  for candidate in $(ls -d /usr/lib/jvm/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/bin/javac" ] && "$candidate/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
      JAVA_HOME="$candidate"; break
    fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "No JDK >= 21 found (looked in /usr/lib/jvm, /opt/java). Install one and set JAVA_HOME." >&2
    return 1 2>/dev/null || exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
echo "Using JDK at $JAVA_HOME"
