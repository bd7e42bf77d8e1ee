"""Write the JSON copy of the bundled registry: `make registry`.

    python scripts/registry_json.py [PATH]

The councils and bodies are edited in rulesets/registry/*.yaml; the library reads them
from src/sli_rules/data/registry.json (PATH by default), which is much faster to load
than the YAML. tests/test_registry.py fails when the copy is not what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sli_rules.load.registry import COPY, registry_from_yaml, registry_json

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else ROOT / "src" / "sli_rules" / COPY
    text = registry_json(registry_from_yaml(ROOT / "rulesets" / "registry"))
    if target.exists() and target.read_text(encoding="utf-8") == text:
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: up to date")
        return 0
    part = target.with_name(f".{target.name}.part")
    part.write_text(text, encoding="utf-8")
    part.replace(target)
    print(f"wrote {target} ({len(text):,} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
