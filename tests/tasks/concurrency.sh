#!/bin/sh
# Test helper (tests/unit/TasksExecutor.test.cpp): logs "<ns> +1" when it starts
# and "<ns> -1" when it ends to the file $1 (short O_APPEND writes do not
# interleave), sleeping $2 seconds in between. The test replays the log to find
# how many copies ran at once.
echo "$(date +%s%N) 1" >> "$1"
sleep "$2"
echo "$(date +%s%N) -1" >> "$1"
echo '{"done": true}'
