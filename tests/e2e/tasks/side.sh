#!/bin/sh
# A finally block's clean-up step: its side effect is the file cleanup-TAG.done.
input=$(cat)
tag=$(printf '%s' "$input" | sed -n 's/.*"tag" *: *"\([^"]*\)".*/\1/p')
echo "$input" > "$E2E_DIR/cleanup-$tag.done"
echo '{"cleaned": true}'
