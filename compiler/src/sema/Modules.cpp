// Modules.cpp — imports bind to the exports of files analyzed earlier (the
// driver orders files so that every file comes after what it imports);
// exports are collected right after a file's top-level names are hoisted, so
// `export { x }` may name a declaration further down.
#include <map>

#include "SemaInternal.h"

namespace flow::compiler::sema {

namespace {
std::string exportListText(const FileExports& ex) {
    if (ex.names.empty()) return "the module exports nothing";
    std::string s = "available exports: ";
    for (size_t i = 0; i < ex.names.size(); ++i) {
        if (i) s += ", ";
        s += ex.names[i].first;
    }
    return s;
}

void collectPatternSymbols(ast::Pattern* p, std::vector<ast::IdentifierPattern*>& out) {
    if (!p) return;
    if (auto* ip = p->as<ast::IdentifierPattern>()) {
        out.push_back(ip);
    } else if (auto* ap = p->as<ast::ArrayPattern>()) {
        for (auto& el : ap->elements)
            collectPatternSymbols(el.target.get(), out);
        collectPatternSymbols(ap->rest.get(), out);
    } else if (auto* op = p->as<ast::ObjectPattern>()) {
        for (auto& prop : op->props)
            collectPatternSymbols(prop.value.target.get(), out);
        collectPatternSymbols(op->rest.get(), out);
    }
}
} // namespace

void Analyzer::declareImports(ast::File& f, Scope& scope) {
    for (auto& s : f.body) {
        auto* imp = s ? s->as<ast::Import>() : nullptr;
        if (!imp) continue;
        // An unresolved import was reported by the driver (FLOW5001/5002):
        // its names are still declared, so that their uses are not also
        // reported as undeclared.
        uint32_t target = imp->resolvedFile;
        const bool known = target < analyzed_.size() && analyzed_[target];
        if (!imp->namespaceName.empty()) {
            Symbol* sym = newSymbol(imp->namespaceName, SymbolKind::ImportNamespace,
                                    imp->namespaceRange, imp);
            sym->importFile = known ? target : UINT32_MAX;
            nsSource_[sym] = imp->source;
            imp->namespaceSymbol = sym;
            declare(scope, sym);
        }
        for (auto& spec : imp->specs) {
            Symbol* sym = newSymbol(spec.local, SymbolKind::Import, spec.range, imp);
            spec.symbol = sym;
            if (known) {
                const FileExports& ex = r_.exports[target];
                sym->importTarget = resolveAlias(ex.find(spec.imported));
                if (!sym->importTarget) {
                    diags_.report(DiagId::NotExported, spec.range, {imp->source, spec.imported});
                    diags_.note(imp->sourceRange, exportListText(ex));
                }
            }
            declare(scope, sym);
        }
    }
}

void Analyzer::collectExports(ast::File& f, Scope& scope) {
    FileExports& ex = r_.exports[f.id];
    std::map<std::string, ast::SourceRange> where;
    auto add = [&](const std::string& name, Symbol* sym, ast::SourceRange r) {
        auto [it, fresh] = where.emplace(name, r);
        if (!fresh) {
            diags_.report(DiagId::DuplicateExport, r, {name});
            diags_.note(it->second, "'" + name + "' is first exported here");
            return;
        }
        ex.names.emplace_back(name, sym);
    };
    for (auto& s : f.body) {
        if (!s) continue;
        if (auto* vd = s->as<ast::VarDecl>(); vd && vd->exported) {
            std::vector<ast::IdentifierPattern*> names;
            for (auto& d : vd->decls)
                collectPatternSymbols(d.target.get(), names);
            for (auto* ip : names)
                if (ip->symbol) add(ip->name, ip->symbol, ip->range);
        } else if (auto* fd = s->as<ast::FunctionDecl>(); fd && fd->exported && fd->symbol) {
            add(fd->symbol->name, fd->symbol, fd->symbol->declRange);
        } else if (auto* w = s->as<ast::Workflow>(); w && w->exported && w->symbol) {
            add(w->symbol->name, w->symbol, w->symbol->declRange);
        } else if (auto* t = s->as<ast::Task>(); t && t->exported && t->symbol) {
            add(t->symbol->name, t->symbol, t->symbol->declRange);
        } else if (auto* el = s->as<ast::ExportList>()) {
            for (auto& spec : el->specs) {
                Symbol* sym = scope.find(spec.local);
                if (!sym) {
                    diags_.report(DiagId::ExportUndefined, spec.range, {spec.local});
                    continue;
                }
                // Re-exporting an import exports the original declaration,
                // so that importers never see alias chains.
                if (sym->kind == SymbolKind::Import) {
                    sym = sym->importTarget;
                    if (!sym) continue; // already reported at the import
                } else if (sym->kind == SymbolKind::ImportNamespace) {
                    diags_.report(DiagId::ExportUndefined, spec.range, {spec.local});
                    diags_.note(sym->declRange, "a module namespace cannot be re-exported; "
                                                "export its members one by one");
                    continue;
                } else {
                    sym->exported = true;
                }
                add(spec.exported, sym, spec.range);
            }
        }
    }
}

void Analyzer::checkNamespaceMember(Symbol* ns, const std::string& member, ast::SourceRange r) {
    uint32_t f = ns->importFile;
    if (f >= r_.exports.size()) return; // unresolved import: reported by the driver
    if (r_.exports[f].find(member)) return;
    diags_.report(DiagId::NotExported, r, {nsSource_[ns], member});
    diags_.note(ns->declRange, exportListText(r_.exports[f]));
}

} // namespace flow::compiler::sema
