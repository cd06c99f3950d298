#!/bin/bash
# Test registrar hook: checks that stdin is valid JSON with the expected keys, saves it to
# $1, prints a line on stdout and one on stderr, exits 0. Exit 2 if the document is invalid.
set -u
doc=$(cat)
printf '%s' "$doc" > "$1"
if ! printf '%s' "$doc" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert set(d) == {"zone", "action", "ds", "dnskey"}, d
assert d["action"] in ("replace-ds", "delete-ds")
assert all(isinstance(x, str) for x in d["ds"] + d["dnskey"])
'; then
  echo "invalid document" >&2
  exit 2
fi
echo "registrar: accepted $(printf '%s' "$doc" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ds"]))') DS"
echo "registrar: (stderr line)" >&2
grep SigBlk /proc/self/status
exit 0
