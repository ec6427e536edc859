#pragma once
// Views.h — the JSON shapes of runs, history rows and events, shared by the
// CLI's --json outputs (Inspect.cpp; Control.cpp's `events` builds the same
// event shape itself for now) and `flowrun serve`'s HTTP
// API (HttpApi.cpp): one builder per shape, so both always agree.
#include <vector>

#include <nlohmann/json.hpp>

#include "flow/store/Rows.h"

namespace flowrun {

using ViewJson = nlohmann::ordered_json;

// `flowrun status --json` / GET /runs/{id}: the whole run row.
ViewJson runStatusView(const flow::store::RunRow& run);
// One element of `flowrun list --json` / GET /runs.
ViewJson runListItemView(const flow::store::RunRow& run);
// `flowrun history --json` / GET /runs/{id}/history.
ViewJson historyView(const std::vector<flow::store::HistoryRow>& rows);
// One element of `flowrun events --json` / GET /events, with who consumed it.
ViewJson eventView(const flow::store::EventRow& e,
                   const std::vector<flow::store::ConsumerRow>& consumers);

} // namespace flowrun
