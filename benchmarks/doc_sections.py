"""Where benchmarks write their figures: each its own marked section of a docs page.

A benchmark owns the text between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->`` and replaces only that, so benchmarks run at different
times (by different people) leave each other's figures alone.
"""

from __future__ import annotations

from pathlib import Path

BENCHMARKS_DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of a section."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


ACCURACY_DOC = BENCHMARKS_DOC.parent / "accuracy.md"


def replace_section(name: str, section: str, path: Path = BENCHMARKS_DOC) -> None:
    """Put ``section`` between the markers of ``name`` in ``path``, appending the section when absent.

    A page that does not exist yet is started with a title made from its file name.
    """
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else f"# {path.stem.capitalize()}\n"
    block = f"{start}\n{section.strip(chr(10))}\n{end}\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
