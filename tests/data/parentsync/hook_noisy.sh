#!/bin/bash
# Test registrar hook: writes 100 KB of output and fails.
cat > /dev/null
head -c 100000 /dev/zero | tr '\0' 'x'
exit 1
