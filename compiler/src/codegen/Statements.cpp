// Statements.cpp — statements, blocks, declarations and loops.
//
// Loops test their condition at the top with a forward exit jump (fused
// compare-jumps, see condJump). A relational test (`i < n`) is compiled once
// more at the bottom as a LoopIf* back-edge (loopTest), so an iteration
// costs one compare-jump, not a compare-jump plus a JumpBack; any other loop
// closes with JumpBack to the top test. Back-edges are the only backward
// jumps (the VM's safepoints). Captured loop variables get a fresh cell per
// iteration (JS per-iteration bindings).
#include "CodegenImpl.h"

namespace flow::compiler::codegen {

using namespace bytecode;
using ast::NodeKind;

void Codegen::stmts(const std::vector<ast::StmtPtr>& list) {
    for (auto& s : list)
        stmt(s.get());
}

void Codegen::blockScoped(const std::vector<ast::StmtPtr>& list) {
    Scope sc;
    openScope(sc);
    declareStatements(sc, list);
    hoistFunctions(list);
    stmts(list);
    closeScope(sc);
}

void Codegen::body(const Stmt* s) {
    if (auto* blk = s->as<ast::Block>())
        blockScoped(blk->body);
    else
        stmt(s);
}

void Codegen::stmt(const Stmt* s) {
    uint32_t t = b().top();
    if (s->kind != NodeKind::Block && s->kind != NodeKind::Empty && s->kind != NodeKind::Labeled)
        at(*s);
    // A label applies only to the statement right after it: loops take it
    // (loopEntry), a labeled block makes its own entry (labeled()).
    bool isLoop = s->kind == NodeKind::For || s->kind == NodeKind::ForOf ||
                  s->kind == NodeKind::ForIn || s->kind == NodeKind::While ||
                  s->kind == NodeKind::DoWhile;
    if (!isLoop && s->kind != NodeKind::Labeled) f_->pendingLabels.clear();
    switch (s->kind) {
    case NodeKind::VarDecl:
        varDecl(*static_cast<const ast::VarDecl*>(s));
        break;
    case NodeKind::FunctionDecl:
        break; // hoisted to the start of its block
    case NodeKind::Return:
        returnStmt(*static_cast<const ast::Return*>(s));
        break;
    case NodeKind::If:
        ifStmt(*static_cast<const ast::If*>(s));
        break;
    case NodeKind::For:
        forStmt(*static_cast<const ast::For*>(s));
        break;
    case NodeKind::ForOf:
        forEach(*static_cast<const ast::ForOf*>(s), false);
        break;
    case NodeKind::ForIn:
        forEach(*static_cast<const ast::ForIn*>(s), true);
        break;
    case NodeKind::While:
        whileStmt(*static_cast<const ast::While*>(s));
        break;
    case NodeKind::DoWhile:
        doWhile(*static_cast<const ast::DoWhile*>(s));
        break;
    case NodeKind::Break:
        breakStmt(*static_cast<const ast::Break*>(s));
        break;
    case NodeKind::Continue:
        continueStmt(*static_cast<const ast::Continue*>(s));
        break;
    case NodeKind::Throw: {
        uint8_t v = expr(static_cast<const ast::Throw*>(s)->value.get());
        at(*s);
        b().abc(Op::Throw, v);
        break;
    }
    case NodeKind::Try:
        tryStmt(*static_cast<const ast::Try*>(s));
        break;
    case NodeKind::Switch:
        switchStmt(*static_cast<const ast::Switch*>(s));
        break;
    case NodeKind::Labeled:
        labeled(*static_cast<const ast::Labeled*>(s));
        break;
    case NodeKind::Block:
        blockScoped(static_cast<const ast::Block*>(s)->body);
        break;
    case NodeKind::ExprStmt:
        effect(static_cast<const ast::ExprStmt*>(s)->expr.get());
        break;
    case NodeKind::Empty:
        break;
    case NodeKind::Workflow:
    case NodeKind::Task:
    case NodeKind::Trigger:
    case NodeKind::Test:
        topLevel(*s);
        break;
    case NodeKind::Import:
    case NodeKind::ExportList:
        break; // resolved by sema; nothing runs
    default:
        internalError(s->range,
                      std::string("unexpected ") + ast::nodeKindName(s->kind) + " statement");
        break;
    }
    b().freeTo(t);
}

void Codegen::varDecl(const ast::VarDecl& d) {
    for (auto& decl : d.decls) {
        uint32_t t = b().top();
        at(decl.range);
        const Pattern* target = decl.target.get();
        if (auto* ip = target->as<ast::IdentifierPattern>()) {
            if (!ip->symbol) continue;
            VarRef ref = resolve(ip->symbol, ip->range);
            if (ref.kind == VarRef::Reg) {
                // The new register cannot be read by its own initializer (TDZ),
                // so the value can be computed straight into it.
                if (decl.init)
                    expr(decl.init.get(), uint8_t(ref.index));
                else
                    b().abc(Op::LoadUndef, ref.index);
            } else {
                uint8_t v;
                if (decl.init) {
                    v = expr(decl.init.get());
                } else {
                    v = b().alloc();
                    b().abc(Op::LoadUndef, v);
                }
                storeRef(ref, v);
            }
        } else if (decl.init) {
            uint8_t v = expr(decl.init.get());
            bindPattern(target, v);
        }
        b().freeTo(t);
    }
}

void Codegen::ifStmt(const ast::If& s) {
    Label els, end;
    uint32_t t = b().top();
    condJump(s.test.get(), false, els);
    b().freeTo(t);
    body(s.consequent.get());
    if (s.alternate) {
        if (!b().lastIsTerminator()) b().jump(Op::Jump, 0, end);
        b().bind(els);
        body(s.alternate.get());
        b().bind(end);
    } else {
        b().bind(els);
    }
}

void Codegen::whileStmt(const ast::While& s) {
    Label top, bodyStart, cont, exit;
    ControlEntry loop = loopEntry(exit, cont);
    b().bind(top);
    uint32_t t = b().top();
    condJump(s.test.get(), false, exit);
    b().freeTo(t);
    b().bind(bodyStart);
    pushControl(loop);
    body(s.body.get());
    popControl();
    // `continue` lands here, on the bottom test.
    b().bind(cont);
    at(*s.test);
    if (!loopTest(s.test.get(), bodyStart)) {
        at(s);
        b().jumpBack(top);
    }
    b().bind(exit);
}

void Codegen::doWhile(const ast::DoWhile& s) {
    Label top, cont, exit;
    ControlEntry loop = loopEntry(exit, cont);
    b().bind(top);
    pushControl(loop);
    body(s.body.get());
    popControl();
    b().bind(cont);
    at(*s.test);
    if (!loopTest(s.test.get(), top)) {
        uint32_t t = b().top();
        condJump(s.test.get(), false, exit);
        b().freeTo(t);
        b().jumpBack(top);
    }
    b().bind(exit);
}

void Codegen::forStmt(const ast::For& s) {
    Label top, cont, exit;
    ControlEntry loop = loopEntry(exit, cont);
    Scope head;
    openScope(head);
    std::vector<const Symbol*> perIteration;
    if (s.init) {
        if (auto* vd = s.init->as<ast::VarDecl>()) {
            size_t first = head.symbols.size();
            for (auto& d : vd->decls)
                declarePattern(head, d.target.get());
            for (size_t i = first; i < head.symbols.size(); ++i)
                if (head.symbols[i]->captured) perIteration.push_back(head.symbols[i]);
        }
        stmt(s.init.get());
    }
    b().bind(top);
    if (s.test) {
        at(*s.test);
        uint32_t t = b().top();
        condJump(s.test.get(), false, exit);
        b().freeTo(t);
    }
    Label bodyStart;
    b().bind(bodyStart);
    pushControl(loop);
    body(s.body.get());
    popControl();
    b().bind(cont);
    // CreatePerIterationEnvironment: closures made by this iteration keep
    // their cell; the next iteration continues with a copy in a new cell.
    for (const Symbol* sym : perIteration) {
        uint8_t box = f_->slots[sym].reg;
        uint8_t t = b().alloc();
        b().abc(Op::GetBox, t, box);
        b().abc(Op::NewBox, box);
        b().abc(Op::SetBox, box, t);
        b().freeTo(t);
    }
    if (s.update) {
        at(*s.update);
        effect(s.update.get());
    }
    if (s.test) at(*s.test);
    if (!s.test || !loopTest(s.test.get(), bodyStart)) b().jumpBack(top);
    b().bind(exit);
    closeScope(head);
}

void Codegen::forEach(const ast::ForEachBase& s, bool keys) {
    Label top, exit;
    ControlEntry loop = loopEntry(exit, top);
    Scope head;
    openScope(head);
    uint8_t it = b().alloc();
    uint8_t v = expr(s.iterable.get());
    b().abc(Op::IterInit, it, v, keys ? 1 : 0);
    b().freeTo(it + 1u);
    std::vector<const Symbol*> fresh;
    if (s.hasDecl) {
        // Captured names get their cell inside the loop, once per iteration.
        size_t first = head.symbols.size();
        declarePattern(head, s.target.get(), false);
        for (size_t i = first; i < head.symbols.size(); ++i)
            if (head.symbols[i]->captured) fresh.push_back(head.symbols[i]);
    }
    // `for (const x of xs)` with x in a register: IterNext writes x itself.
    int direct = -1;
    if (auto* ip = s.target->as<ast::IdentifierPattern>(); ip && ip->symbol) {
        VarRef ref = resolve(ip->symbol, ip->range);
        if (ref.kind == VarRef::Reg) direct = int(ref.index);
    }
    uint8_t val = direct >= 0 ? uint8_t(direct) : b().alloc();
    b().bind(top);
    b().jumpAux(Op::IterNext, val, it, exit);
    for (const Symbol* sym : fresh)
        b().abc(Op::NewBox, f_->slots[sym].reg);
    if (direct < 0) bindPattern(s.target.get(), val);
    pushControl(loop);
    body(s.body.get());
    popControl();
    at(s);
    b().jumpBack(top);
    b().bind(exit);
    closeScope(head);
}

void Codegen::returnStmt(const ast::Return& s) {
    bool throughFinally = false;
    for (auto* c : f_->control)
        if (c->kind == ControlEntry::Finally) throughFinally = true;
    if (!s.value) {
        leaveTo(0, [&] { b().abc(Op::ReturnUndef); });
        return;
    }
    // Through a finally, the value is computed first into a register the
    // finally code cannot touch (a local it assigns would change it).
    uint8_t r = throughFinally ? exprTemp(s.value.get()) : expr(s.value.get());
    at(s);
    leaveTo(0, [&] { b().abc(Op::Return, r); });
}

} // namespace flow::compiler::codegen
