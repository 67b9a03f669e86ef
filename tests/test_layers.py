"""The tree keeps its shape: Qt lives in ``simulator/app/`` and only there, and everything in
``simulator/app/`` is a Qt view or the bridge (Qt-free code belongs to the core or the session
host, where every face can use it). The layers themselves are import-linter contracts in
``pyproject.toml``, run by ``scripts/test.sh``."""

from __future__ import annotations

import grimp

APP = "simulator.app"


def test_qt_is_imported_by_the_app_and_by_every_module_of_it() -> None:
    graph = grimp.build_graph("simulator", include_external_packages=True)
    modules = {m for m in graph.modules if m.startswith("simulator")}
    in_app = {m for m in modules if m.startswith(APP + ".")}
    assert in_app, "no app modules found"
    imports_qt = {m for m in modules if graph.direct_import_exists(importer=m, imported="PySide6")}
    assert sorted(imports_qt - in_app) == [], "Qt imported outside simulator/app/"
    qt_free = {m for m in in_app if not graph.chain_exists(importer=m, imported="PySide6")}
    assert sorted(qt_free) == [], "Qt-free code inside simulator/app/: move it out of the app"
