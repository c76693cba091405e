"""Exports the string-pair cases of Hugging Face Math-Verify's test suite (tests/*.py) as JSON Lines.

Reads the test files with Python's ast module (nothing is imported or run): every case of a
@pytest.mark.parametrize list whose test compares a gold and a predicted string, with the options the test passes
(match_types, precision, strict, allow_set_relation_comp) and the verdict Math-Verify's suite expects.

usage: python3 export_cases.py MATH_VERIFY_CHECKOUT/tests > cases.jsonl
"""
import ast
import math
import json
import pathlib
import sys

DEFAULTS = {"match_types": ["latex", "expr"], "precision": 6, "strict": True, "allow_set_relation_comp": False}


def call_options(fn):
    """The keyword options of the compare_strings call in a test function's body (None if it has none)."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name == "compare_strings":
                opts = dict(DEFAULTS)
                for kw in node.keywords:
                    if isinstance(kw.value, ast.Constant):
                        opts[kw.arg] = kw.value.value
                    elif isinstance(kw.value, ast.List):
                        opts[kw.arg] = [ast.literal_eval(e) for e in kw.value.elts]
                    else:
                        opts[kw.arg] = kw.value.id  # a parameter name, filled per case
                return opts
            if name == "verify":
                return dict(DEFAULTS)  # verify(parse(gold), parse(pred)): parse's defaults
    return None


def evaluate(node):
    """A case's tuple: literals, or an f-string over the math module (one case formats sqrt(17))."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        return eval(compile(ast.Expression(node), "<case>", "eval"), {"__builtins__": {}, "math": math})


def main(tests):
    out = []
    for path in sorted(pathlib.Path(tests).glob("test_*.py")):
        tree = ast.parse(path.read_text())
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            opts = call_options(fn)
            if opts is None:
                continue
            for dec in fn.decorator_list:
                if not (isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize"):
                    continue
                names = [n.strip() for n in ast.literal_eval(dec.args[0]).split(",")]
                for row in dec.args[1].elts:
                    values = dict(zip(names, evaluate(row)))
                    if "gold" not in values or "pred" not in values:
                        continue
                    case = {k: (values[v] if isinstance(v, str) and v in values else v) for k, v in opts.items()}
                    expected = values.get("expected", values.get("result"))
                    out.append({"source": f"{path.name}:{row.lineno}:{fn.name}", "gold": values["gold"],
                                "pred": values["pred"], "expected": bool(expected), **case})
    seen = {}
    for case in out:  # two cases on one line: the second is source#2
        n = seen[case["source"]] = seen.get(case["source"], 0) + 1
        if n > 1:
            case["source"] += f"#{n}"
        print(json.dumps(case, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
