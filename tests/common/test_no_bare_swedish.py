"""No error, flashed message or notification in app/ is a bare Swedish string: each is wrapped in _() or _l().

A bare literal is never extracted into the catalogs, so the English interface (and a client's
language) would show it in Swedish. The scan reads the source (AST): the arguments of every
`raise X(...)`, of every ValidationError-like constructor (also outside a raise: collected errors),
of the services' error helpers, of every `flash(...)`, the subject and body of every `notify(...)`
(also the parts of a body given as a list, and a dict of subjects it picks from), and the module
constants they name.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRAPPERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}
# Calls that carry a message to a user: the domain errors, the services' helpers that make them.
MESSAGE_CALLS = re.compile(r"^(\w*Error|\w*Errors|NoDefault|_error|fail|_required|flash|notify|_notify)$")
SWEDISH_WORDS = (
    "och att inte ett en det den som med har kan ska måste finns saknas ange välj fyll skriv redan eller "
    "ingen inget inga okänd okänt ogiltig ogiltigt högst minst bara till från efter före rad filen dagen "
    "månaden beslutet tjänsten anordnaren placeringen deltagaren"
).split()
SWEDISH = re.compile(r"[åäöÅÄÖ]|\b(" + "|".join(SWEDISH_WORDS) + r")\b", re.IGNORECASE)


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _literal_text(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The text of a bare string (literal, f-string, concatenation, or a module constant), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        parts = [_literal_text(side, constants) for side in (node.left, node.right)]
        return " ".join(p for p in parts if p) or None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):  # a notification's body in parts
        parts = [_literal_text(part, constants) for part in node.elts]
        return " ".join(p for p in parts if p) or None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):  # {"a": "...", ...}[kind]
        parts = [_literal_text(value, constants) for value in node.value.values]
        return " ".join(p for p in parts if p) or None
    return None


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, (ast.Constant, ast.JoinedStr)):
            text = _literal_text(stmt.value, {})
            for target in stmt.targets:
                if isinstance(target, ast.Name) and text is not None:
                    constants[target.id] = text
    return constants


def _message_args(call: ast.Call) -> list[ast.expr]:
    """The arguments that are messages: a ValidationError's first argument is the field path."""
    args = list(call.args)
    if _name(call.func) in ("ValidationError", "NoDefault", "fail") and args:
        args = args[1:]
    elif _name(call.func) == "_required" and len(args) > 2:
        args = args[2:]
    elif _name(call.func) == "_error" and len(args) > 2:
        args = args[2:]
    elif _name(call.func) in ("notify", "_notify"):  # notify(session, subject=..., body=...)
        args = args[1:]
    return args + [k.value for k in call.keywords if k.arg in (None, "message", "msg", "subject", "body")]


def bare_swedish_messages(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    constants = _module_constants(tree)
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            calls.append(node.exc)
        elif isinstance(node, ast.Call) and MESSAGE_CALLS.match(_name(node.func)):
            calls.append(node)
    found = []
    for call in calls:
        if _name(call.func) in WRAPPERS:
            continue
        for arg in _message_args(call):
            text = _literal_text(arg, constants)
            if text and SWEDISH.search(text):
                found.append(f"{filename}:{call.lineno}: {_name(call.func)}({text!r})")
    return sorted(set(found))


def test_no_raise_or_flash_in_app_passes_a_bare_swedish_string():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        found += bare_swedish_messages(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "wrap these messages in _l(...) (or _() inside a request), with named %(x)s " \
                      "placeholders, and translate them (docs/translations.md):\n" + "\n".join(found)


def test_the_scan_finds_each_kind_of_bare_message():
    source = '''
from flask_babel import lazy_gettext as _l
GONE = "beslutet gäller inte längre"
def f(x, check):
    raise ValidationError("offering", "platsen är redan tagen")
    raise ValidationError("offering", f"ingen plats hos {x}")
    raise ValueError("okänt värde: " + x)
    raise ValidationError("referral", GONE)
    check.fail("org_nr", "det finns redan en anordnare")
    errors.append(ValidationError("x", "välj en"))
    flash("Sparat och klart", "success")
    notify(session, role="admin", subject=f"Avtal {x} är godtaget", body="Anordnaren har godtagit avtalet.")
    notify(session, provider_id=1, subject=_l("Ny deltagare"), body=[_l("Ring deltagaren."), "och sedan mer"])
    notify(session, subject={"a": "Placering registrerad", "b": _l("Ny deltagare")}[x], body=_l("a"))
    _notify(session, x, x, x, "Deltagaren har bytt anordnare", x)
'''
    assert len(bare_swedish_messages(source, "x.py")) == 11


def test_the_scan_passes_wrapped_messages_field_paths_and_english():
    source = '''
from flask_babel import lazy_gettext as _l
GONE = _l("beslutet gäller inte längre")
def f(x):
    raise ValidationError("offering", _l("platsen är redan tagen"))
    raise ValidationError(f"attendance[{x}].hours", _l("ange timmar, %(x)s", x=x))
    raise ValidationError("referral", GONE)
    raise ValidationError("body", "the body must be a JSON object")
    flash(_("Sparat."), "success")
    flash(exc.message, "error")
    notify(session, role="admin", key=f"avtal:{x}", subject=_l("Avtal %(ref)s är godtaget", ref=x),
           body=[_l("Skäl: %(reason)s", reason=x), ": ", x], sep=" ")
    notify(session, email=x, subject={"a": _l("Placering registrerad")}[x], body=body)
'''
    assert bare_swedish_messages(source, "x.py") == []
