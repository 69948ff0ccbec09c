"""The store seam (issue 14, DESIGN.md): all SQL lives in ``cointrail/store/``; analysis reads through
``cointrail.store.interface`` and the values of ``cointrail.domain``; the store imports no analysis code.

A module outside the store that runs SQL (a statement in a string, ``.execute(``/``.sql(``/``.register(`` on a
connection) or imports DuckDB fails here. Every module's SQL has moved, so there is no list of those still to move.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import cointrail

PACKAGE = Path(cointrail.__file__).parent
STORE = PACKAGE / "store"

_STATEMENT = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|"
    r"CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW|INDEX|SEQUENCE)|DROP\s+(TABLE|VIEW|INDEX)|"
    r"ALTER\s+TABLE|COPY\s+\w+\s+(TO|FROM)|ATTACH\s)"
)
_CONNECTION_CALLS = {"execute", "executemany", "sql", "register", "unregister", "fetchall", "fetchone"}
_ANALYSIS = ("clustering", "heuristics", "tracing", "labels", "graph", "watch", "services")


def _modules(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


@functools.cache
def _nodes(path: Path) -> tuple[ast.AST, list[ast.AST]]:
    """The module's syntax tree and all its nodes: parsed and walked once for every check."""
    tree = ast.parse(path.read_text())
    return tree, list(ast.walk(tree))


def sql_statements(path: Path) -> int:
    """How many string literals in ``path`` (docstrings aside) hold an SQL statement."""
    tree, nodes = _nodes(path)
    fstrings = [n for n in nodes if isinstance(n, ast.JoinedStr)]
    skip = _docstrings(tree) | {id(v) for j in fstrings for v in j.values}  # an f-string's parts count joined
    texts = [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]
    texts += [" ".join(v.value for v in n.values if isinstance(v, ast.Constant)) for n in fstrings]
    return sum(1 for text in texts if _STATEMENT.search(text))


def uses_a_connection(path: Path) -> bool:
    """Whether ``path`` imports DuckDB or calls a connection's ``execute``/``sql``/``register`` (and friends)."""
    for node in _nodes(path)[1]:
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "duckdb" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "duckdb":
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _CONNECTION_CALLS:
            return True
    return False


def _outside_store() -> list[Path]:
    return [p for p in _modules(PACKAGE) if STORE not in p.parents]


def test_no_sql_outside_the_store():
    found = {_name(p): n for p in _outside_store() if (n := sql_statements(p))}
    assert not found, f"SQL outside cointrail/store/ (put it behind store.interface): {found}"


def test_no_connection_outside_the_store():
    users = {_name(p) for p in _outside_store() if uses_a_connection(p)}
    assert not users, f"a connection used outside cointrail/store/: {users}"


def test_the_store_imports_no_analysis():
    for path in _modules(STORE):
        for node in _nodes(path)[1]:
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (parts[0] == "cointrail" and len(parts) > 1 and parts[1] in _ANALYSIS), (
                    f"{_name(path)} imports {node.module}: the store depends only on the floors below it"
                )


def test_the_seam_check_sees_sql():
    assert _STATEMENT.search("SELECT tx_id FROM transactions WHERE txid = ?")
    assert _STATEMENT.search("CREATE TABLE IF NOT EXISTS labels (")
    assert not _STATEMENT.search("select the addresses from the case")
    assert not _STATEMENT.search("A payment, from the site")
