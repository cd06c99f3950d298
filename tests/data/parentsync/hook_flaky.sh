#!/bin/bash
# Test registrar hook: fails (exit 3, message on stderr) until it has been run $2 times,
# counting runs in the file $1; then succeeds.
set -u
cat > /dev/null
n=$(( $(cat "$1" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$1"
if [ "$n" -lt "$2" ]; then
  echo "registrar: temporary failure (run $n)" >&2
  exit 3
fi
echo "registrar: ok on run $n"
