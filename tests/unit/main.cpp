// The doctest main lives alone in this file: it is the slowest TU to compile.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
