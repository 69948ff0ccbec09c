"""The project keeps its promises: typed, linted, documented, one --json per command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

import cointrail
from cointrail.cli import COMMANDS, build_cli

REPO_ROOT = Path(__file__).resolve().parent.parent


def all_commands() -> list[tuple[str, click.Command]]:
    """Every command, with its full name (``case new``), groups expanded."""
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, command: click.Command) -> None:
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None, f"cointrail {prefix} {name} is listed but cannot be loaded"
                walk(f"{prefix} {name}".strip(), sub)
        else:
            found.append((prefix, command))

    walk("", build_cli())
    return found


def test_every_command_module_is_registered():
    modules = {path.stem for path in (REPO_ROOT / "cointrail" / "cli").glob("*_cmd.py")}
    assert modules == {name.rsplit(".", 1)[1] for name in COMMANDS.values()}


def test_every_command_has_json_output():
    for name, command in all_commands():
        if name == "demo" or name.startswith("serve"):
            continue
        assert any("--json" in p.opts for p in command.params), f"cointrail {name} has no --json"


def test_every_command_is_documented():
    documented = (REPO_ROOT / "docs" / "cli.md").read_text()
    for name, _ in all_commands():
        heading = rf"^## `cointrail {re.escape(name)}\b"
        assert re.search(heading, documented, re.M), f"cointrail {name} is not in docs/cli.md"


def test_public_api_has_docstrings():
    for name in cointrail.__all__:
        obj = getattr(cointrail, name)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"cointrail.{name} has no docstring"


RENDERERS = ("cli", "web", "report", "exports")  # ../shared/DESIGN.md's top floor: they call the engine, never back
RENDERER_IMPORTS_BELOW = {  # the known exceptions, each with its reason
    ("investigation.py", "cointrail.exports"): "Investigation.export gives an export's text (the CLI, the web)",
    ("engines/spark/submit.py", "cointrail.cli"): "spark-submit's entry script runs the cluster build command",
}


def test_nothing_below_the_renderers_imports_them():
    """The engine, the report's facts, analysis and everything under them import no renderer, not even inside a
    function: the report's facts are collected in cointrail/facts/, below report/."""
    import ast

    package = Path(cointrail.__file__).resolve().parent
    found = set()
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if relative.parts[0] in (*RENDERERS, "demo", "__init__.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            found |= {(relative.as_posix(), ".".join(n.split(".")[:2])) for n in names
                      if n.split(".")[:2] in (["cointrail", r] for r in RENDERERS)}  # fmt: skip
    assert found <= set(RENDERER_IMPORTS_BELOW), sorted(found - set(RENDERER_IMPORTS_BELOW))


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "./scripts/demo" in readme and "./scripts/test" in readme
    assert "./scripts/test" in (REPO_ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "cointrail", "tests", "benchmarks"],
                            cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "mypy", "cointrail"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
