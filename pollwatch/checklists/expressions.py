"""The XForm expression subset pollwatch accepts, checked and evaluated with elementpath.

Forms use XPath 1.0 with a few XForm functions (docs/expressions.md lists them).
elementpath parses the text (so malformed expressions are refused) and walks the
paths; the operators and functions of the subset are redefined on a parser subclass
so that they follow XPath 1.0 and Enketo's openrosa-xpath-evaluator, which evaluates
the same text in the browser:

- an empty answer compares false with a number (`/data/x > 3` is false), `!=` true;
- a value that looks like a date (YYYY-MM-DD...) becomes a number of days in
  comparisons and arithmetic, so `. <= today()` works on date answers;
- `div` and `mod` by zero give Infinity/NaN instead of an error;
- `regex()` searches (JavaScript's RegExp.test), it does not need a full match.

Values are XPath 1.0 values: node-sets (lists of elementpath nodes), booleans, numbers
(floats) and strings. `as_boolean`, `as_number` and `as_string` convert them.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
import math
import re
from collections.abc import Callable, Mapping
from copy import copy
from decimal import Decimal
from typing import Any, cast
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _
from elementpath import ElementPathError, XPath1Parser, XPathContext
from elementpath.xpath_nodes import ElementNode, XPathNode

ALLOWED_FUNCTIONS = frozenset(
    {
        "not",
        "selected",
        "count-selected",
        "if",
        "coalesce",
        "string-length",
        "regex",
        "int",
        "number",
        "concat",
        "today",
        "true",
        "false",
        "string",
    }
)
OPERATORS = frozenset(
    {"=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod", "and", "or", "("}
)
LITERALS = frozenset({"(string)", "(integer)", "(decimal)", "(float)"})

# openrosa-xpath-evaluator's DATE_STRING: anything that starts like a date.
DATE_STRING = re.compile(
    r"^\d\d\d\d-\d{1,2}-\d{1,2}(?:T\d\d:\d\d:\d\d\.?\d?\d?(?:Z|[+-]\d\d:\d\d)|.*)?$"
)
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
EPOCH = datetime.date(1970, 1, 1).toordinal()

_today: contextvars.ContextVar[datetime.date | None] = contextvars.ContextVar(
    "xform_today", default=None
)
# Absolute path -> node of the instance being evaluated: a dictionary lookup instead of
# elementpath's walk down the tree, which dominated validation time.
_nodes: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "xform_nodes", default=None
)


class XFormParser(XPath1Parser):
    """XPath 1.0 with the XForm functions; its own copy of the symbol table."""

    symbol_table = dict(XPath1Parser.symbol_table)


# --- conversions (XPath 1.0, as openrosa-xpath-evaluator does them) -------------------


def _node_string(node: Any) -> str:
    return str(node.compat_string_value) if isinstance(node, XPathNode) else str(node)


def as_string(value: Any) -> str:
    """XPath string(): a node-set gives its first node's text."""
    if isinstance(value, list):
        return _node_string(value[0]) if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return _number_string(float(value))
    if isinstance(value, XPathNode):
        return _node_string(value)
    return str(value)


def _number_string(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    return repr(number)


def _days(text: str) -> float:
    """Days since 1970-01-01 for a date-like string, NaN when it is no real date."""
    year, month, day = re.split(r"[-T]", text, maxsplit=3)[:3]
    try:
        return float(datetime.date(int(year), int(month), int(day[:2])).toordinal() - EPOCH)
    except ValueError:
        return math.nan


def as_number(value: Any) -> float:
    """XPath number(); date-like strings become days, as in openrosa-xpath-evaluator."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float | Decimal):
        return float(value)
    text = as_string(value).strip()
    if DATE_STRING.match(text):
        return _days(text)
    return float(text) if NUMBER.match(text) else math.nan


def as_boolean(value: Any) -> bool:
    """XPath boolean(): a non-empty node-set is true even when its node is empty."""
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return not math.isnan(float(value)) and value != 0
    return bool(as_string(value))


# --- operators -------------------------------------------------------------------------

_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _operand(value: Any) -> Any:
    """A comparison's operand: a date-like value as days, a node-set as its nodes' text.

    A node-set whose first node is date-like compares as that date, as in
    openrosa-xpath-evaluator. Numbers and booleans are never date-like.
    """
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, list):
        texts = [_node_string(node) for node in value]
        if texts and DATE_STRING.match(first := texts[0].strip()):
            return _days(first)
        return texts
    text = as_string(value).strip()
    return _days(text) if DATE_STRING.match(text) else value


def _compare_atoms(symbol: str, left: Any, right: Any) -> bool:
    relation = _RELATIONS[symbol]
    if symbol in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            return relation(as_boolean(left), as_boolean(right))
        if isinstance(left, float | int | Decimal) or isinstance(right, float | int | Decimal):
            return relation(as_number(left), as_number(right))
        return relation(as_string(left), as_string(right))
    return relation(as_number(left), as_number(right))


def compare(symbol: str, left: Any, right: Any) -> bool:
    """XPath 1.0 comparison (node-sets compare node by node)."""
    left, right = _operand(left), _operand(right)
    if isinstance(left, list) and isinstance(right, bool):
        return _compare_atoms(symbol, bool(left), right)
    if isinstance(right, list) and isinstance(left, bool):
        return _compare_atoms(symbol, left, bool(right))
    lefts = left if isinstance(left, list) else [left]
    rights = right if isinstance(right, list) else [right]
    return any(_compare_atoms(symbol, a, b) for a in lefts for b in rights)


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def _modulo(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)  # JavaScript's %: the sign of the dividend


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": _divide,
    "mod": _modulo,
}


def _argument(token: Any, index: int, context: Any) -> Any:
    # Only elementpath's own path walk changes the context, and it gets a copy there.
    value = token[index].evaluate(context)
    return [value] if isinstance(value, XPathNode) else value


def _override(symbol: str, evaluate: Callable[..., Any]) -> None:
    """Replace a token class in XFormParser's table only, leaving XPath1Parser intact."""
    base = XFormParser.symbol_table[symbol]
    XFormParser.symbol_table[symbol] = type(base.__name__, (base,), {"evaluate": evaluate})


def _comparison(self: Any, context: Any = None) -> bool:
    return compare(self.symbol, _argument(self, 0, context), _argument(self, 1, context))


def _arithmetic(self: Any, context: Any = None) -> Any:
    if self.symbol == "*" and len(self) != 2:
        return _base(self).evaluate(self, context)  # the * wildcard
    if len(self) == 1:
        number = as_number(_argument(self, 0, context))
        return -number if self.symbol == "-" else number
    left = as_number(_argument(self, 0, context))
    return _ARITHMETIC[self.symbol](left, as_number(_argument(self, 1, context)))


def _and(self: Any, context: Any = None) -> bool:
    return as_boolean(_argument(self, 0, context)) and as_boolean(_argument(self, 1, context))


def _or(self: Any, context: Any = None) -> bool:
    return as_boolean(_argument(self, 0, context)) or as_boolean(_argument(self, 1, context))


def _path(self: Any, context: Any = None) -> Any:
    nodes = _nodes.get()
    path = getattr(self, "xform_path", None)
    if nodes is not None and path is not None and path in nodes and context is not None:
        return [nodes[path]]
    return _base(self).evaluate(self, copy(context))


def _base(token: Any) -> Any:
    """elementpath's own token class, which _override subclassed."""
    return type(token).__mro__[1]


for _symbol in _RELATIONS:
    _override(_symbol, _comparison)
for _symbol in _ARITHMETIC:
    _override(_symbol, _arithmetic)
_override("and", _and)
_override("or", _or)
_override("/", _path)


# --- functions ----------------------------------------------------------------------------


def _define(name: str, nargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an XForm function on XFormParser (replacing XPath 1.0's of that name)."""

    def register(implementation: Callable[..., Any]) -> Callable[..., Any]:
        XFormParser.symbol_table.pop(name, None)

        def evaluate(self: Any, context: Any = None) -> Any:
            arguments = [_argument(self, index, context) for index in range(len(self))]
            if not arguments and name in ("string", "string-length", "number"):
                if context is None:
                    raise self.missing_context()
                arguments = [[context.item]]  # string() means string(.)
            return implementation(*arguments)

        token_class: Any = XFormParser.function(name, nargs=nargs)
        token_class.evaluate = evaluate
        return implementation

    return register


@_define("not", 1)
def _not(value: Any) -> bool:
    return not as_boolean(value)


@_define("selected", 2)
def _selected(values: Any, value: Any) -> bool:
    return as_string(value).strip() in as_string(values).split(" ")


@_define("count-selected", 1)
def _count_selected(values: Any) -> float:
    return float(sum(1 for part in as_string(values).split(" ") if part))


@_define("if", 3)
def _if(condition: Any, then: Any, otherwise: Any) -> Any:
    return then if as_boolean(condition) else otherwise


@_define("coalesce", 2)
def _coalesce(first: Any, second: Any) -> str:
    return as_string(first) or as_string(second)


@_define("string-length", (0, 1))
def _string_length(value: Any) -> float:
    return float(len(as_string(value)))


@_define("regex", 2)
def _regex(value: Any, pattern: Any) -> bool:
    try:
        return re.search(as_string(pattern), as_string(value)) is not None
    except re.error:
        return False


@_define("int", 1)
def _int(value: Any) -> float:
    number = as_number(value)
    return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


@_define("number", (0, 1))
def _number(value: Any) -> float:
    return as_number(value)


@_define("string", (0, 1))
def _string(value: Any) -> str:
    return as_string(value)


@_define("concat", (1, None))
def _concat(*values: Any) -> str:
    return "".join(as_string(value) for value in values)


@_define("today", 0)
def _today_function() -> str:
    return (_today.get() or datetime.date.today()).isoformat()


# --- parsing, checking, evaluating --------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def compile_expression(expression: str) -> Any:
    """Parse once; the token tree is reused for every evaluation (it keeps no state)."""
    root = XFormParser().parse(expression)
    _mark_paths(root)
    return root


@functools.lru_cache(maxsize=4096)
def uses_current(expression: str) -> bool:
    """Whether the expression reads `.` (its value then depends on the question)."""
    return _has_dot(compile_expression(expression))


def _has_dot(token: Any) -> bool:
    return token.symbol == "." or any(_has_dot(child) for child in token)


def _mark_paths(token: Any) -> None:
    steps = _path_steps(token)
    if steps is not None:
        token.xform_path = "/" + "/".join(steps)
    for child in token:
        _mark_paths(child)


def check_expression(
    expression: str, *, known_paths: set[str] | frozenset[str], allow_dot: bool
) -> list[str]:
    """Problems with an expression (empty when it is inside the subset)."""
    try:
        root = compile_expression(expression)
    except (ElementPathError, SyntaxError, ValueError, TypeError) as error:
        return [_syntax_problem(str(error))]
    problems: list[str] = []
    _check_token(root, frozenset(known_paths), allow_dot, problems)
    return problems


def _syntax_problem(text: str) -> str:
    unknown = re.search(r"unknown function '([^']+)'", text)
    if unknown:
        return _("The function %(name)s() is not supported.") % {"name": unknown.group(1)}
    located = re.search(r"column (\d+): \[err:\w+\] (.*)", text)
    if located:
        return _("The expression is malformed at character %(column)s: %(error)s.") % {
            "column": located.group(1),
            "error": located.group(2),
        }
    return _("The expression is malformed: %(error)s.") % {"error": text}


def _check_token(token: Any, known: frozenset[str], allow_dot: bool, problems: list[str]) -> None:
    symbol = token.symbol
    if symbol in LITERALS:
        return
    if symbol == ".":
        if not allow_dot:
            problems.append(_("'.' (the current answer) is only allowed in a constraint."))
        return
    if symbol == "/":
        _check_path(token, known, problems)
        return
    if token.label == "function" or symbol in ALLOWED_FUNCTIONS:
        if symbol not in ALLOWED_FUNCTIONS:
            problems.append(_("The function %(name)s() is not supported.") % {"name": symbol})
            return
    elif symbol not in OPERATORS or (symbol == "*" and len(token) != 2):
        problems.append(_("'%(text)s' is not supported.") % {"text": token.source})
        return
    elif symbol == "-" and len(token) == 1 and token[0].symbol not in LITERALS:
        # openrosa-xpath-evaluator (the browser) parses a unary minus only before a number.
        problems.append(
            _("'%(text)s': a minus sign may only stand before a number; write 0 - x instead.")
            % {"text": token.source}
        )
        return
    for child in token:
        _check_token(child, known, allow_dot, problems)


def _path_steps(token: Any) -> list[str] | None:
    """The names of an absolute path /a/b/c, or None for anything else."""
    if token.symbol != "/" or len(token) not in (1, 2):
        return None
    last = token[-1]
    if last.symbol != "(name)":
        return None
    if len(token) == 1:
        return [last.value]
    steps = _path_steps(token[0])
    return None if steps is None else [*steps, last.value]


def _check_path(token: Any, known: frozenset[str], problems: list[str]) -> None:
    steps = _path_steps(token)
    if steps is None:
        problems.append(
            _("'%(text)s' is not supported: use ${name} references.") % {"text": token.source}
        )
    elif "/" + "/".join(steps) not in known:
        problems.append(
            _("'%(path)s' is not a question of this form.") % {"path": "/" + "/".join(steps)}
        )


class Instance:
    """An instance document ready for evaluation: build once, evaluate many expressions."""

    def __init__(self, root: Element) -> None:
        self.context = XPathContext(root)
        self.nodes: dict[str, Any] = {}
        self._index(self.context.root, "/" + root.tag)

    def _index(self, node: Any, path: str) -> None:
        """Every element node by its absolute path, from the tree elementpath built."""
        self.nodes[path] = node
        for child in node.children:
            if isinstance(child, ElementNode):
                self._index(child, path + "/" + cast(Element, child.value).tag)

    def evaluate(
        self, expression: str, context_path: str | None = None, today: datetime.date | None = None
    ) -> Any:
        """Evaluate with `.` = the node at `context_path` (or the root element)."""
        token = compile_expression(expression)
        xpath_context = copy(self.context)
        if context_path is not None:
            xpath_context.item = self.nodes[context_path]
        reset_today, reset_nodes = _today.set(today), _nodes.set(self.nodes)
        try:
            value = token.evaluate(xpath_context)
        finally:
            _today.reset(reset_today)
            _nodes.reset(reset_nodes)
        return [value] if isinstance(value, XPathNode) else value


def evaluate(
    expression: str,
    instance_root: Element,
    context: Element | None = None,
    today: datetime.date | None = None,
) -> Any:
    """Evaluate once over an instance, with `.` = `context` (an element of it) or the root."""
    instance = Instance(instance_root)
    path = None
    if context is not None:
        path = next(p for p, node in instance.nodes.items() if node.value is context)
    return instance.evaluate(expression, path, today)
