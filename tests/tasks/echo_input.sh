#!/bin/sh
# Test helper (tests/unit/TasksExec.test.cpp): echoes its JSON input back.
exec cat
