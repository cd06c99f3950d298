#!/bin/bash
# Test registrar hook: never reads stdin, prints a line, then hangs (with a child process
# in its group whose PID goes to the file $1) until killed.
echo "registrar: connecting..."
sleep 300 &
echo $! > "$1"
wait
