"""An import-linter contract: no import cycle between any two modules (files) of the project.

import-linter's own contracts check the layers between apps (`layers`) and cycles among the
children of one package (`acyclic_siblings`); a cycle that runs through several apps'
files, e.g. `profiles.services.derived → works.topics_derived → profiles.services.derived`,
is neither. This contract takes the whole graph of the root packages (every `import`, also
those inside functions, which grimp reads like any other) and reports each strongly connected
group of modules with one of its cycles, import lines included.

Configured in pyproject.toml (`[tool.importlinter]`); run by `lint-imports` in `make test`.
"""

from __future__ import annotations

from typing import Any, cast

import grimp
import networkx as nx
from importlinter import Contract, ContractCheck, fields, output


def module_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """One cycle (modules in import order) per group of modules that import each other."""
    imports = nx.DiGraph()
    for module in graph.modules:
        if graph.is_module_squashed(module):
            continue  # an external package, seen from outside only
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module:
                imports.add_edge(module, imported)
    cycles = []
    for group in nx.strongly_connected_components(imports):
        if len(group) > 1:
            start = min(group)
            edges = nx.find_cycle(imports.subgraph(group), source=start)
            cycles.append([importer for importer, _ in edges])
    return sorted(cycles)


class NoModuleCyclesContract(Contract):
    """Type `no_module_cycles`: broken by any import cycle between modules of the root packages.

    `ignore_imports` ("importer -> imported", exact module names) leaves known imports out while
    they are being removed; one that no longer exists breaks the contract, so none lingers.
    """

    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        stale = []
        for expression in cast("list[str]", self.ignore_imports or []):
            importer, _, imported = (part.strip() for part in expression.partition("->"))
            known = importer in graph.modules and imported in graph.modules
            if known and graph.direct_import_exists(importer=importer, imported=imported):
                graph.remove_import(importer=importer, imported=imported)
            else:
                stale.append(f"{importer} -> {imported}")
        cycles = module_cycles(graph)
        details = {
            f"{a} -> {b}": [
                f"{d['importer']}:{d['line_number']} {d['line_contents']}"
                for d in graph.get_import_details(importer=a, imported=b)
            ]
            for cycle in cycles
            for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True)
        }
        return ContractCheck(
            kept=not cycles and not stale,
            metadata={"cycles": cycles, "details": details, "stale": stale},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        metadata: dict[str, Any] = check.metadata
        for expression in metadata["stale"]:
            output.print_error(f"ignored import no longer exists (remove it): {expression}")
        for cycle in metadata["cycles"]:
            output.print_error(" -> ".join([*cycle, cycle[0]]))
            for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
                for line in metadata["details"][f"{a} -> {b}"]:
                    output.indent_cursor()
                    output.print(line)
            output.new_line()
