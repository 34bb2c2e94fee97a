"""The core's layout is part of what learners read: which module imports which, and every doc in place."""
import ast
import pydoc
from pathlib import Path

import pytest

import autograd_lite as ag

PACKAGE = Path(ag.__file__).resolve().parent
OP_MODULES = ["elementwise", "reductions", "shapes", "linalg", "creation"]


def package_imports(module: str) -> set:
    """The autograd_lite modules `module` imports at run time (not under TYPE_CHECKING)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    guards = [n for n in ast.walk(tree) if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"]
    skipped = {id(n) for block in guards for n in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("autograd_lite"):
            if node.module == "autograd_lite":
                found |= {f"autograd_lite.{a.name}" for a in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("autograd_lite")}
    return found


def test_graph_imports_nothing_from_the_package():
    assert package_imports("graph") == set()


@pytest.mark.parametrize("module", OP_MODULES)
def test_op_modules_import_only_tensor_and_graph(module):
    assert package_imports(module) <= {"autograd_lite.tensor", "autograd_lite.graph"}


def test_the_one_import_cycle_is_closed_at_the_bottom_of_tensor_py():
    source = (PACKAGE / "tensor.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    late = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))][-1]
    assert late is tree.body[-1]  # the last statement of the module
    assert {a.name for a in late.names} == {
        "backward", "elementwise", "forward", "hooks", "inplace", "interop", "linalg", "reductions", "shapes",
    }


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs"])
def test_help_shows_the_functions_own_doc(name):
    function = getattr(ag, name)
    assert function.__name__ == name and function.__doc__
    assert function.__doc__.strip() in pydoc.render_doc(function)


def test_every_public_function_of_the_core_has_a_docstring():
    missing = []
    for module in ["tensor", "graph", "backward", "forward", "func", *OP_MODULES, "gradcheck"]:
        tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            functions = [(None, node)] if isinstance(node, ast.FunctionDef) else []
            if isinstance(node, ast.ClassDef) and node.name in ("Tensor", "Function"):
                functions = [(node.name, f) for f in node.body if isinstance(f, ast.FunctionDef)]
            for owner, f in functions:
                is_setter = any(isinstance(d, ast.Attribute) and d.attr == "setter" for d in f.decorator_list)
                if not f.name.startswith("_") and not is_setter and ast.get_docstring(f) is None:
                    missing.append(f"{module}.{owner + '.' if owner else ''}{f.name}")
    assert missing == []
