// Views.cpp — see Views.h. Moved verbatim from Inspect.cpp (and the event
// shape copied from Control.cpp's `events --json`): the CLI's --json output
// must stay byte-identical (the e2e tests read it).
#include "Views.h"

#include <string>

namespace flowrun {

using Json = ViewJson;

ViewJson runStatusView(const flow::store::RunRow& run) {
    Json waiting = Json::parse(run.waiting.value_or("[]"), nullptr, false);
    Json j = {{"id", run.id},
              {"workflow", run.workflow},
              {"status", std::string(flow::store::name(run.status))},
              {"module", run.moduleHash},
              {"createdAt", run.createdAt},
              {"updatedAt", run.updatedAt},
              {"input", Json::parse(run.input, nullptr, false)},
              {"waiting", waiting}};
    if (run.result) j["result"] = Json::parse(*run.result, nullptr, false);
    if (run.error) j["error"] = Json::parse(*run.error, nullptr, false);
    if (run.parentRun) j["parent"] = *run.parentRun;
    if (run.triggerEvent) j["triggerEvent"] = *run.triggerEvent;
    if (run.cancelRequested) j["cancelRequested"] = true;
    return j;
}

ViewJson runListItemView(const flow::store::RunRow& r) {
    ViewJson j = {{"id", r.id},
                  {"workflow", r.workflow},
                  {"status", std::string(flow::store::name(r.status))},
                  {"module", r.moduleHash},
                  {"createdAt", r.createdAt},
                  {"updatedAt", r.updatedAt}};
    if (r.triggerEvent) j["triggerEvent"] = *r.triggerEvent;
    return j;
}

ViewJson historyView(const std::vector<flow::store::HistoryRow>& rows) {
    Json arr = Json::array();
    for (const auto& h : rows) {
        Json j = {{"seq", h.seq},   {"at", h.at},     {"kind", h.kind},
                  {"step", h.step}, {"name", h.name}, {"line", h.line}};
        if (h.detail) j["detail"] = Json::parse(*h.detail, nullptr, false);
        arr.push_back(j);
    }
    return arr;
}

ViewJson eventView(const flow::store::EventRow& e,
                   const std::vector<flow::store::ConsumerRow>& consumers) {
    Json j = {{"id", e.id},
              {"type", e.type},
              {"at", e.at},
              {"payload", Json::parse(e.payload, nullptr, false)}};
    if (e.sourceRun) j["run"] = *e.sourceRun;
    Json cs = Json::array();
    for (const auto& c : consumers) {
        Json cj = {{"consumer", c.consumer},
                   {"kind", std::string(flow::store::name(c.kind))},
                   {"at", c.at}};
        if (c.runId) cj["run"] = *c.runId;
        if (c.error) cj["error"] = *c.error;
        cs.push_back(cj);
    }
    j["consumers"] = cs;
    return j;
}

} // namespace flowrun
