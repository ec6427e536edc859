// Graph.cpp — `flowc --emit=graph|mermaid`: each workflow's structure as a
// control-flow-like graph: start/end, task calls (with their retry policy),
// waits, emits, child starts, branches, loops, try/catch/finally and
// Promise.all/race/parallelMap fan-out/fan-in. Nodes are numbered in source
// order, so the output is deterministic.
#include <algorithm>
#include <functional>
#include <map>

#include "flow/compiler/Compiler.h"
#include "flow/compiler/Sema.h"

namespace flow::compiler {

namespace {

using namespace ast;

enum class Shape : uint8_t { Terminal, Step, Wait, Decision, Fork, Join };

struct GNode {
    std::string label;
    Shape shape;
};
struct GEdge {
    size_t from, to;
    std::string label;
};

class WorkflowGraph {
public:
    WorkflowGraph(const Compilation& c, const std::map<std::string, const Task*>& tasks)
        : c_(c), tasks_(tasks) {}

    std::vector<GNode> nodes;
    std::vector<GEdge> edges;

    void build(const Workflow& wf) {
        size_t start = add("start", Shape::Terminal);
        end_ = add("end", Shape::Terminal);
        std::vector<size_t> open = {start};
        if (wf.fn->body) open = block(wf.fn->body->body, open);
        for (size_t n : open)
            edge(n, end_);
    }

private:
    size_t add(std::string label, Shape s) {
        nodes.push_back({std::move(label), s});
        return nodes.size() - 1;
    }
    void edge(size_t a, size_t b, std::string label = "") {
        edges.push_back({a, b, std::move(label)});
    }
    // Links every open end to `n`; returns {n}.
    std::vector<size_t> chain(const std::vector<size_t>& open, size_t n,
                              const std::string& label = "") {
        for (size_t o : open)
            edge(o, n, label);
        return {n};
    }

    std::string source(const SourceRange& r) const {
        std::string_view t = c_.sources.text(r.file);
        if (r.begin >= t.size()) return "";
        std::string s(t.substr(r.begin, std::min<size_t>(r.end, t.size()) - r.begin));
        for (char& ch : s)
            if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
        if (s.size() > 40) s = s.substr(0, 37) + "...";
        return s;
    }

    const Task* taskOf(const Expr* callee) const {
        auto* id = callee ? callee->as<Identifier>() : nullptr;
        if (!id) return nullptr;
        if (id->symbol) {
            if (id->symbol->kind != SymbolKind::Task) return nullptr;
            return id->symbol->decl ? id->symbol->decl->as<Task>() : nullptr;
        }
        auto it = tasks_.find(id->name);
        return it == tasks_.end() ? nullptr : it->second;
    }

    static std::string retrySummary(const Task& t) {
        if (t.args.empty()) return "";
        auto* opts = t.args.back()->as<ObjectLit>();
        if (!opts) return "";
        for (auto& p : opts->props) {
            if (p.key != "retry" || !p.value) continue;
            const ObjectLit* policy = p.value->as<ObjectLit>();
            if (auto* arr = p.value->as<ArrayLit>(); arr && !arr->elements.empty())
                policy = arr->elements[0]->as<ObjectLit>();
            if (!policy) return " (retry)";
            std::string attempts, on;
            for (auto& q : policy->props) {
                if (q.key == "maxAttempts")
                    if (auto* n = q.value->as<NumberLit>())
                        attempts = std::to_string(int64_t(n->value)) + "x";
                if (q.key == "on")
                    if (auto* a = q.value->as<ArrayLit>())
                        for (auto& e : a->elements)
                            if (auto* s = e->as<StringLit>())
                                on += (on.empty() ? "" : ", ") + s->value;
            }
            std::string out = " (retry";
            if (!attempts.empty()) out += " " + attempts;
            if (!on.empty()) out += " on " + on;
            return out + ")";
        }
        return "";
    }

    static std::string calleeName(const Expr* e) {
        if (auto* id = e->as<Identifier>()) return id->name;
        if (auto* m = e->as<Member>()) return calleeName(m->object.get()) + "." + m->name;
        return "";
    }

    std::string firstArgText(const Call& call) const {
        if (call.args.empty()) return "";
        if (auto* s = call.args[0]->as<StringLit>()) return " \"" + s->value + "\"";
        if (auto* d = call.args[0]->as<DurationLit>()) return " " + d->text;
        return " " + source(call.args[0]->range);
    }
    std::string timeoutOf(const Call& call) const {
        if (call.args.size() < 2) return "";
        if (auto* o = call.args[1]->as<ObjectLit>())
            for (auto& p : o->props)
                if (p.key == "timeout" && p.value)
                    if (auto* d = p.value->as<DurationLit>()) return " timeout " + d->text;
        return "";
    }

    // Expressions: the interesting calls, in evaluation order.
    std::vector<size_t> expr(const Expr* e, std::vector<size_t> open) {
        if (!e) return open;
        switch (e->kind) {
        case NodeKind::Call: {
            auto* call = e->as<Call>();
            std::string name = calleeName(call->callee.get());
            if (name == "Promise.all" || name == "Promise.race" || name == "Promise.allSettled" ||
                name == "Promise.any") {
                size_t fork = add(name, Shape::Fork);
                open = chain(open, fork);
                size_t join =
                    add(name == "Promise.race" ? "first to settle" : "all settled", Shape::Join);
                bool any = false;
                if (!call->args.empty())
                    if (auto* arr = call->args[0]->as<ArrayLit>())
                        for (auto& el : arr->elements) {
                            auto ends = expr(el.get(), {fork});
                            for (size_t x : ends)
                                edge(x, join);
                            any = true;
                        }
                if (!any) edge(fork, join);
                return {join};
            }
            if (name == "parallelMap") {
                for (size_t i = 0; i + 1 < call->args.size() || i < 1; ++i)
                    if (i < call->args.size()) open = expr(call->args[i].get(), open);
                size_t fork = add("parallelMap (Map state)", Shape::Fork);
                open = chain(open, fork);
                std::vector<size_t> inner = {fork};
                if (call->args.size() > 1)
                    if (auto* fe = call->args[1]->as<FunctionExpr>()) {
                        if (fe->fn->body)
                            inner = block(fe->fn->body->body, inner);
                        else
                            inner = expr(fe->fn->exprBody.get(), inner);
                    }
                size_t join = add("all items done", Shape::Join);
                chain(inner, join, "each item");
                return {join};
            }
            open = expr(call->callee.get(), open);
            for (auto& a : call->args)
                open = expr(a.get(), open);
            if (const Task* t = taskOf(call->callee.get()))
                return chain(open, add(t->name + retrySummary(*t), Shape::Step));
            if (name == "sleep" || name == "sleepUntil")
                return chain(open, add(name + firstArgText(*call), Shape::Wait));
            if (name == "signal" || name == "waitForEvent")
                return chain(open, add(name + firstArgText(*call) + timeoutOf(*call), Shape::Wait));
            if (name == "emit") return chain(open, add("emit" + firstArgText(*call), Shape::Step));
            if (name == "send")
                return chain(open, add("send" + (call->args.size() > 1
                                                     ? " \"" + source(call->args[1]->range) + "\""
                                                     : std::string()),
                                       Shape::Step));
            return open;
        }
        case NodeKind::Start: {
            auto* s = e->as<Start>();
            for (auto& a : s->args)
                open = expr(a.get(), open);
            return chain(open, add("start " + calleeName(s->callee.get()), Shape::Step));
        }
        case NodeKind::Conditional: {
            auto* c = e->as<Conditional>();
            open = expr(c->test.get(), open);
            size_t d = add(source(c->test->range) + " ?", Shape::Decision);
            std::vector<size_t> before = open;
            open = chain(open, d);
            auto a = expr(c->consequent.get(), {d});
            auto b = expr(c->alternate.get(), {d});
            if (a.size() == 1 && a[0] == d && b.size() == 1 && b[0] == d) {
                nodes.pop_back(); // no interesting call on either side
                edges.erase(
                    std::remove_if(edges.begin(), edges.end(),
                                   [&](const GEdge& g) { return g.to == d || g.from == d; }),
                    edges.end());
                return before;
            }
            a.insert(a.end(), b.begin(), b.end());
            return a;
        }
        case NodeKind::Function:
            return open; // a closure's body runs when called
        default:
            break;
        }
        // Generic: visit children in order.
        forEachChild(e, [&](const Expr* child) { open = expr(child, open); });
        return open;
    }

    static void forEachChild(const Expr* e, const std::function<void(const Expr*)>& f) {
        switch (e->kind) {
        case NodeKind::TemplateLit:
            for (auto& x : e->as<TemplateLit>()->exprs)
                f(x.get());
            break;
        case NodeKind::ArrayLit:
            for (auto& x : e->as<ArrayLit>()->elements)
                f(x.get());
            break;
        case NodeKind::ObjectLit:
            for (auto& p : e->as<ObjectLit>()->props) {
                if (p.computedKey) f(p.computedKey.get());
                if (p.value) f(p.value.get());
            }
            break;
        case NodeKind::Unary:
            f(e->as<Unary>()->operand.get());
            break;
        case NodeKind::Update:
            f(e->as<Update>()->target.get());
            break;
        case NodeKind::Binary:
            f(e->as<Binary>()->lhs.get());
            f(e->as<Binary>()->rhs.get());
            break;
        case NodeKind::Logical:
            f(e->as<Logical>()->lhs.get());
            f(e->as<Logical>()->rhs.get());
            break;
        case NodeKind::Assign:
            f(e->as<Assign>()->value.get());
            break;
        case NodeKind::Sequence:
            for (auto& x : e->as<Sequence>()->exprs)
                f(x.get());
            break;
        case NodeKind::New:
            for (auto& x : e->as<New>()->args)
                f(x.get());
            break;
        case NodeKind::Member:
            f(e->as<Member>()->object.get());
            break;
        case NodeKind::Index:
            f(e->as<Index>()->object.get());
            f(e->as<Index>()->index.get());
            break;
        case NodeKind::OptionalChain:
            f(e->as<OptionalChain>()->expr.get());
            break;
        case NodeKind::Await:
            f(e->as<Await>()->expr.get());
            break;
        case NodeKind::Spread:
            f(e->as<Spread>()->expr.get());
            break;
        default:
            break;
        }
    }

    std::vector<size_t> block(const std::vector<StmtPtr>& body, std::vector<size_t> open) {
        for (auto& s : body) {
            open = stmt(s.get(), open);
            if (open.empty()) break; // after return/throw nothing is reached
        }
        return open;
    }

    std::vector<size_t> loop(const std::string& label, const Stmt* body, std::vector<size_t> open) {
        size_t head = add(label, Shape::Decision);
        open = chain(open, head);
        auto ends = stmt(body, {head});
        for (size_t x : ends)
            edge(x, head, "next");
        size_t after = add("after loop", Shape::Join);
        edge(head, after, "done");
        return {after};
    }

    std::vector<size_t> stmt(const Stmt* s, std::vector<size_t> open) {
        if (!s) return open;
        switch (s->kind) {
        case NodeKind::Block:
            return block(s->as<Block>()->body, open);
        case NodeKind::ExprStmt:
            return expr(s->as<ExprStmt>()->expr.get(), open);
        case NodeKind::VarDecl:
            for (auto& d : s->as<VarDecl>()->decls)
                open = expr(d.init.get(), open);
            return open;
        case NodeKind::Return:
            open = expr(s->as<Return>()->value.get(), open);
            chain(open, end_, "return");
            return {};
        case NodeKind::Throw: {
            open = expr(s->as<Throw>()->value.get(), open);
            chain(open, add("throw " + source(s->as<Throw>()->value->range), Shape::Terminal));
            return {};
        }
        case NodeKind::If: {
            auto* n = s->as<If>();
            open = expr(n->test.get(), open);
            size_t d = add("if " + source(n->test->range), Shape::Decision);
            open = chain(open, d);
            // Branch edges carry yes/no labels.
            auto yes = stmtFrom(n->consequent.get(), d, "yes");
            auto no = n->alternate ? stmtFrom(n->alternate.get(), d, "no") : std::vector<size_t>{};
            std::vector<size_t> out = yes;
            if (!n->alternate) {
                size_t merge = add("", Shape::Join);
                edge(d, merge, "no");
                for (size_t x : yes)
                    edge(x, merge);
                return {merge};
            }
            out.insert(out.end(), no.begin(), no.end());
            return out;
        }
        case NodeKind::Switch: {
            auto* n = s->as<Switch>();
            open = expr(n->discriminant.get(), open);
            size_t d = add("switch " + source(n->discriminant->range), Shape::Decision);
            open = chain(open, d);
            std::vector<size_t> out;
            bool hasDefault = false;
            for (auto& c : n->cases) {
                hasDefault |= !c.test;
                size_t label =
                    add(c.test ? "case " + source(c.test->range) : "default", Shape::Step);
                edge(d, label);
                auto ends = block(c.body, {label});
                out.insert(out.end(), ends.begin(), ends.end());
            }
            if (!hasDefault) out.push_back(d);
            return out;
        }
        case NodeKind::For: {
            auto* n = s->as<For>();
            open = stmt(n->init.get(), open);
            return loop("for " + (n->test ? source(n->test->range) : std::string("(;;)")),
                        n->body.get(), open);
        }
        case NodeKind::ForOf:
        case NodeKind::ForIn: {
            auto* n = static_cast<const ForEachBase*>(s);
            open = expr(n->iterable.get(), open);
            return loop(std::string("for each ") +
                            (s->kind == NodeKind::ForIn ? "key of " : "of ") +
                            source(n->iterable->range),
                        n->body.get(), open);
        }
        case NodeKind::While:
            return loop("while " + source(s->as<While>()->test->range), s->as<While>()->body.get(),
                        open);
        case NodeKind::DoWhile:
            return loop("do ... while " + source(s->as<DoWhile>()->test->range),
                        s->as<DoWhile>()->body.get(), open);
        case NodeKind::Labeled:
            return stmt(s->as<Labeled>()->body.get(), open);
        case NodeKind::Try: {
            auto* n = s->as<Try>();
            size_t t = add("try", Shape::Fork);
            open = chain(open, t);
            auto ends = block(n->block->body, {t});
            if (n->handler) {
                size_t c = add("catch" + (n->catchParam ? std::string(" (error)") : std::string()),
                               Shape::Step);
                edge(t, c, "error");
                auto h = block(n->handler->body, {c});
                ends.insert(ends.end(), h.begin(), h.end());
            }
            if (n->finalizer) {
                size_t f = add("finally", Shape::Join);
                for (size_t x : ends)
                    edge(x, f);
                if (!n->handler) edge(t, f, "error");
                return block(n->finalizer->body, {f});
            }
            return ends;
        }
        default:
            return open;
        }
    }

    // A branch that starts from decision `d` with an edge label.
    std::vector<size_t> stmtFrom(const Stmt* s, size_t d, const std::string& label) {
        size_t firstNew = nodes.size();
        size_t firstEdge = edges.size();
        auto ends = stmt(s, {d});
        for (size_t i = firstEdge; i < edges.size(); ++i)
            if (edges[i].from == d && edges[i].to >= firstNew && edges[i].label.empty()) {
                edges[i].label = label;
                break;
            }
        if (ends.size() == 1 && ends[0] == d) {
            // Nothing interesting in the branch: an empty step keeps the label.
            size_t n = add("", Shape::Join);
            edge(d, n, label);
            return {n};
        }
        return ends;
    }

    const Compilation& c_;
    const std::map<std::string, const Task*>& tasks_;
    size_t end_ = 0;
};

std::string escape(const std::string& s, bool mermaid) {
    std::string out;
    for (char ch : s) {
        if (ch == '"')
            out += mermaid ? "#quot;" : "\\\"";
        else if (ch == '\\' && !mermaid)
            out += "\\\\";
        else
            out += ch;
    }
    return out;
}

} // namespace

std::string emitGraph(const Compilation& c, GraphFormat format) {
    std::map<std::string, const Task*> tasks;
    std::vector<const Workflow*> workflows;
    for (auto& f : c.files)
        for (auto& s : f->body) {
            if (auto* t = s->as<Task>()) tasks.emplace(t->name, t);
            if (auto* w = s->as<Workflow>()) workflows.push_back(w);
        }
    // Only the entry file's workflows are drawn (imported ones have their own file).
    if (!c.files.empty()) {
        uint32_t entry = c.files.back()->id;
        std::erase_if(workflows, [&](const Workflow* w) { return w->range.file != entry; });
    }
    bool mermaid = format == GraphFormat::Mermaid;
    std::string out =
        mermaid ? "flowchart TD\n" : "digraph flow {\n  node [fontname=\"Helvetica\"];\n";
    for (size_t w = 0; w < workflows.size(); ++w) {
        WorkflowGraph g(c, tasks);
        g.build(*workflows[w]);
        std::string prefix = "w" + std::to_string(w) + "_";
        const std::string& name = workflows[w]->fn->name;
        if (mermaid) {
            out += "  subgraph " + prefix + "wf [\"workflow " + escape(name, true) + "\"]\n";
            for (size_t i = 0; i < g.nodes.size(); ++i) {
                std::string l = escape(g.nodes[i].label, true);
                if (l.empty()) l = " ";
                std::string id = prefix + "n" + std::to_string(i);
                switch (g.nodes[i].shape) {
                case Shape::Terminal:
                    out += "    " + id + "([\"" + l + "\"])\n";
                    break;
                case Shape::Decision:
                    out += "    " + id + "{\"" + l + "\"}\n";
                    break;
                case Shape::Wait:
                    out += "    " + id + "[/\"" + l + "\"/]\n";
                    break;
                case Shape::Fork:
                case Shape::Join:
                    out += "    " + id + "((\"" + l + "\"))\n";
                    break;
                case Shape::Step:
                    out += "    " + id + "[\"" + l + "\"]\n";
                    break;
                }
            }
            for (auto& e : g.edges) {
                out += "    " + prefix + "n" + std::to_string(e.from) + " -->";
                if (!e.label.empty()) out += "|" + escape(e.label, true) + "|";
                out += " " + prefix + "n" + std::to_string(e.to) + "\n";
            }
            out += "  end\n";
        } else {
            out += "  subgraph cluster_" + std::to_string(w) + " {\n    label=\"workflow " +
                   escape(name, false) + "\";\n";
            for (size_t i = 0; i < g.nodes.size(); ++i) {
                static const char* shapes[] = {"oval",    "box",    "parallelogram",
                                               "diamond", "circle", "circle"};
                out += "    " + prefix + "n" + std::to_string(i) + " [label=\"" +
                       escape(g.nodes[i].label, false) +
                       "\", shape=" + shapes[size_t(g.nodes[i].shape)] + "];\n";
            }
            for (auto& e : g.edges) {
                out += "    " + prefix + "n" + std::to_string(e.from) + " -> " + prefix + "n" +
                       std::to_string(e.to);
                if (!e.label.empty()) out += " [label=\"" + escape(e.label, false) + "\"]";
                out += ";\n";
            }
            out += "  }\n";
        }
    }
    if (!mermaid) out += "}\n";
    return out;
}

} // namespace flow::compiler
