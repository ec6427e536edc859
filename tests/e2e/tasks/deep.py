#!/usr/bin/env python3
# Prints an array nested $1 levels deep ("[[[...]]]"): valid JSON, but deeper than
# the store keeps (case "bad-input").
import sys
sys.stdin.read()
n = int(sys.argv[1])
sys.stdout.write("[" * n + "]" * n)
