"""docs/permissions.md cannot drift from the code: its generated blocks are rendered here and compared.

The role x permission matrix comes from mehvar.core.roles.ROLE_PERMISSIONS, the page table from the URLconf
(every view wrapped in ``workspace_view`` declares ``required_perm``), the API table from the handlers'
source (``require(request, Perm.X)`` or ``@requires(Perm.X)``). After changing any of them, regenerate:

    MEHVAR_UPDATE_DOCS=1 .venv/bin/pytest src/mehvar/core/tests/test_pages_permissions_doc.py
"""

import ast
import os
import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

import mehvar
from mehvar.core.roles import ROLE_PERMISSIONS, Perm, Role

PACKAGE = Path(mehvar.__file__).resolve().parent
DOC = PACKAGE.parent.parent / "docs" / "permissions.md"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
BLOCK = re.compile(r"<!-- generated:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /generated:(?P=name) -->", re.S)


def role_matrix() -> str:
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for perm in Perm:
        marks = ["✓" if perm in ROLE_PERMISSIONS[role] else "—" for role in roles]
        lines.append(f"| `{perm.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield "/" + route, f"{namespace}{entry.name}" if entry.name else "", entry.callback


def page_table() -> str:
    lines = ["| page | URL name | permission |", "|---|---|---|"]
    rows = sorted(
        (route, name, view.required_perm.value)
        for route, name, view in _walk(get_resolver().url_patterns)
        if hasattr(view, "required_perm")
    )
    lines += [f"| `{route}` | `{name}` | `{perm}` |" for route, name, perm in rows]
    return "\n".join(lines) + "\n"


def _perms_in(nodes) -> list[str]:
    found = []
    for node in nodes:
        for inner in ast.walk(node):
            is_perm = isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name)
            if is_perm and inner.value.id == "Perm" and inner.attr in Perm.__members__:
                found.append(Perm[inner.attr].value)
    return list(dict.fromkeys(found))


def api_routes() -> list[tuple[str, str, str]]:
    rows = []
    for module in sorted(PACKAGE.rglob("api.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                if not (call and isinstance(call.func, ast.Attribute) and call.func.attr in HTTP_METHODS):
                    continue
                if not (isinstance(call.func.value, ast.Name) and call.func.value.id in {"router", "api"}):
                    continue
                path = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else "?"
                public = any(k.arg == "auth" and isinstance(k.value, ast.Constant) for k in call.keywords)
                perms = _perms_in([*node.decorator_list, *node.body])
                need = ", ".join(f"`{p}`" for p in perms) or ("public" if public else "any member")
                rows.append((f"/api/v1{path}", call.func.attr.upper(), need))
    return sorted(rows)


def api_table() -> str:
    lines = ["| method | path | permission |", "|---|---|---|"]
    lines += [f"| {method} | `{path}` | {need} |" for path, method, need in api_routes()]
    return "\n".join(lines) + "\n"


GENERATED = {"roles": role_matrix, "pages": page_table, "api": api_table}


def rendered_doc(text: str) -> str:
    return BLOCK.sub(
        lambda m: f"<!-- generated:{m['name']} -->\n{GENERATED[m['name']]()}<!-- /generated:{m['name']} -->",
        text,
    )


def test_docs_permissions_md_matches_the_code():
    text = DOC.read_text()
    assert {m["name"] for m in BLOCK.finditer(text)} == set(GENERATED), "a generated block is missing"
    expected = rendered_doc(text)
    if os.environ.get("MEHVAR_UPDATE_DOCS") == "1" and expected != text:
        DOC.write_text(expected)
        text = expected
    assert text == expected, "docs/permissions.md is out of date: run this test with MEHVAR_UPDATE_DOCS=1"


def test_the_matrix_contains_exactly_the_role_table():
    text = DOC.read_text()
    block = next(m["body"] for m in BLOCK.finditer(text) if m["name"] == "roles")
    assert block == role_matrix()
    owner_row = next(line for line in block.splitlines() if line.startswith("| `owners.manage`"))
    assert owner_row.split(" | ")[1:3] == ["✓", "—"]  # only owners hand out the owner role


def test_the_page_table_names_every_workspace_page():
    table = page_table()
    for name in ("workspace:members", "workspace:tokens", "workspace:audit", "workspace:settings"):
        assert f"`{name}`" in table
