"""The import checks of `make test`: the cycle contract itself, and the project passing them."""

from __future__ import annotations

import grimp
import pytest
from importlinter.cli import lint_imports

from scripts.import_contracts import NoModuleCyclesContract, module_cycles
from tests.conftest import ROOT


def graph_of(*imports: str) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for number, expression in enumerate(imports, start=1):
        importer, _, imported = expression.partition(" -> ")
        graph.add_import(
            importer=importer,
            imported=imported,
            line_number=number,
            line_contents=f"import {imported}",
        )
    return graph


def contract(**options) -> NoModuleCyclesContract:
    return NoModuleCyclesContract(name="cycles", session_options={}, contract_options=options)


def test_it_finds_a_cycle_that_runs_through_several_apps():
    graph = graph_of(
        "profiles.services.derived -> works.topics_derived",
        "works.topics_derived -> profiles.services.refresh",
        "profiles.services.refresh -> profiles.services.derived",
        "graph.tasks -> profiles.services.refresh",  # into the cycle, not part of it
    )

    assert module_cycles(graph) == [
        ["profiles.services.derived", "works.topics_derived", "profiles.services.refresh"]
    ]
    check = contract().check(graph, verbose=False)
    assert not check.kept
    details = check.metadata["details"]["works.topics_derived -> profiles.services.refresh"]
    assert details == ["works.topics_derived:2 import profiles.services.refresh"]


def test_a_graph_without_cycles_keeps_the_contract():
    graph = graph_of("graph.listeners -> graph.tasks", "graph.tasks -> graph.services")
    assert module_cycles(graph) == []
    assert contract().check(graph, verbose=False).kept


def test_an_ignored_import_breaks_its_cycle_and_a_stale_one_breaks_the_contract():
    cycle = ("graph.services -> graph.tasks", "graph.tasks -> graph.services")

    assert (
        contract(ignore_imports=["graph.services -> graph.tasks"])
        .check(graph_of(*cycle), verbose=False)
        .kept
    )
    check = contract(ignore_imports=["graph.views -> graph.tasks"]).check(
        graph_of(*cycle), verbose=False
    )
    assert not check.kept
    assert check.metadata["stale"] == ["graph.views -> graph.tasks"]


def test_the_project_keeps_its_layers_and_has_no_import_cycle(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True, no_logo=True) == 0


@pytest.mark.parametrize("module", ["profiles", "works"])
def test_the_data_layer_imports_no_app_above_it(module):
    graph = grimp.build_graph("profiles", "works", "graph", "claims", cache_dir=None)
    upward = {
        (importer, imported)
        for importer in graph.find_descendants(module) | {module}
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.split(".")[0] in {"graph", "claims"}
    }
    assert upward == set()
