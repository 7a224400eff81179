"""Fail when a stylesheet uses physical directions (left/right) instead of CSS logical properties.

RTL and LTR share one stylesheet, so `margin-left` would be wrong in one of them. Use `margin-inline-start`.
"""

import re
import sys
from pathlib import Path

PHYSICAL = re.compile(
    r"(?<![-\w])(margin|padding|border)-(left|right)\b|(?<![-\w])(left|right)\s*:|text-align\s*:\s*(left|right)"
    r"|float\s*:\s*(left|right)|border-(top|bottom)-(left|right)-radius"
)


def main() -> int:
    root = Path(__file__).resolve().parent.parent / "src"
    bad = []
    for path in sorted(root.rglob("*.css")):
        if "/admin/" in str(path):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PHYSICAL.search(line):
                bad.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    for line in bad:
        print(f"physical CSS direction (use logical properties): {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
