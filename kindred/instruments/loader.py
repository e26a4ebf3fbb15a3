"""The built-in instrument definitions: one JSON file per instrument in the `definitions/` folder beside this module.

Each file is named `<key>.json` and is validated against the schema on first use; a broken file stops the load with
a DefinitionError naming the file and the problem, so a bad edit cannot ship half an instrument.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from kindred.instruments.schema import Definition, DefinitionError, parse_definition

BUILTIN_DIR = Path(__file__).resolve().parent / "definitions"


def load_definition_file(path: Path) -> Definition:
    """One definition file, validated; its key must match the file name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DefinitionError(
            f"{path.name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DefinitionError(f"{path.name}: cannot be read: {error}") from None
    definition = parse_definition(data, origin=path.name)
    if definition.key != path.stem:
        raise DefinitionError(f"{path.name}: key: {definition.key!r} does not match the file name {path.stem!r}")
    return definition


def load_definition_dir(directory: Path) -> dict[str, Definition]:
    """Every `*.json` definition in a folder, by key, in file-name order."""
    return {path.stem: load_definition_file(path) for path in sorted(directory.glob("*.json"))}


@functools.cache
def builtin_definitions() -> dict[str, Definition]:
    """The definitions shipped with Kindred, by key. Cached: treat the result as read-only."""
    return load_definition_dir(BUILTIN_DIR)
