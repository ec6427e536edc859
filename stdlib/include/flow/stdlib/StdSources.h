#pragma once
// The standard modules (stdlib/std/*.flow), embedded at build time.
#include <string_view>

namespace flow::stdlib {

struct StdSource {
    std::string_view name; // "std/strings" (import specifier, no extension)
    std::string_view text; // the module's Flow source
};

// All embedded standard modules; `count` receives their number.
const StdSource* stdSources(size_t& count);

// The source of one standard module by import specifier, or nullptr.
const StdSource* findStdSource(std::string_view name);

} // namespace flow::stdlib
