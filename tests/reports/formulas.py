"""A small evaluator for the spreadsheet formulas the workbook uses, to check them by hand.

It knows numbers, cell references (with or without $), ranges, + - * /, parentheses and the
functions ROUND (Excel's: halves away from zero), SUMPRODUCT and RANK (descending, ties share).
Anything else is an error, so a formula the workbook should not contain fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from openpyxl.utils import column_index_from_string, get_column_letter

TOKEN = re.compile(
    r"\s*(?:(?P<range>\$?[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+)|(?P<ref>\$?[A-Z]+\$?\d+)"
    r"|(?P<func>[A-Z]+)\(|(?P<num>\d+(?:\.\d+)?)|(?P<op>[-+*/(),]))"
)
REF = re.compile(r"\$?([A-Z]+)\$?(\d+)")

Value = float | list[float]


class FormulaError(ValueError):
    pass


def _tokens(formula: str) -> list[tuple[str, str]]:
    if not formula.startswith("="):
        raise FormulaError(f"not a formula: {formula!r}")
    text, position, found = formula[1:], 0, []
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FormulaError(f"cannot read {text[position:]!r} in {formula!r}")
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _cells_of(range_text: str) -> list[str]:
    corners = [REF.fullmatch(part) for part in range_text.split(":")]
    if len(corners) != 2 or corners[0] is None or corners[1] is None:
        raise FormulaError(f"not a range: {range_text!r}")
    (c1, r1), (c2, r2) = corners[0].groups(), corners[1].groups()
    return [
        f"{get_column_letter(col)}{row}"
        for row in range(int(r1), int(r2) + 1)
        for col in range(column_index_from_string(c1), column_index_from_string(c2) + 1)
    ]


def _excel_round(value: float, places: int) -> float:
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


class Sheet:
    """Cells by reference ("B7"); formula cells are evaluated on demand and remembered."""

    def __init__(self, cells: Mapping[str, object]) -> None:
        self.cells = cells
        self._memo: dict[str, float] = {}

    def value(self, ref: str) -> float:
        ref = ref.replace("$", "")
        if ref in self._memo:
            return self._memo[ref]
        raw = self.cells.get(ref)
        if isinstance(raw, str) and raw.startswith("="):
            result = self.evaluate(raw)
            if isinstance(result, list):
                raise FormulaError(f"{ref} evaluates to a range")
        elif raw is None:
            result = 0.0
        elif isinstance(raw, int | float):
            result = float(raw)
        else:
            raise FormulaError(f"{ref} holds {raw!r}, not a number")
        self._memo[ref] = result
        return result

    def evaluate(self, formula: str) -> Value:
        tokens = _tokens(formula)
        position = 0

        def peek() -> tuple[str, str] | None:
            return tokens[position] if position < len(tokens) else None

        def take(expected: str | None = None) -> tuple[str, str]:
            nonlocal position
            token = peek()
            if token is None or (expected is not None and token[1] != expected):
                raise FormulaError(f"expected {expected!r} at {token!r} in {formula!r}")
            position += 1
            return token

        def expression() -> Value:
            left = term()
            while (token := peek()) is not None and token[1] in "+-":
                take()
                right = term()
                left = (
                    _number(left) + _number(right)
                    if token[1] == "+"
                    else _number(left) - _number(right)
                )
            return left

        def term() -> Value:
            left = factor()
            while (token := peek()) is not None and token[1] in "*/":
                take()
                right = factor()
                left = (
                    _number(left) * _number(right)
                    if token[1] == "*"
                    else _number(left) / _number(right)
                )
            return left

        def factor() -> Value:
            kind, text = take()
            if kind == "num":
                return float(text)
            if kind == "ref":
                return self.value(text)
            if kind == "range":
                return [self.value(ref) for ref in _cells_of(text)]
            if kind == "op" and text == "-":
                return -_number(factor())
            if kind == "op" and text == "(":
                inner = expression()
                take(")")
                return inner
            if kind == "func":
                arguments = [expression()]
                while (token := peek()) is not None and token[1] == ",":
                    take()
                    arguments.append(expression())
                take(")")
                return FUNCTIONS[text](arguments) if text in FUNCTIONS else _unknown(text)
            raise FormulaError(f"unexpected {text!r} in {formula!r}")

        result = expression()
        if position != len(tokens):
            raise FormulaError(f"trailing {tokens[position:]!r} in {formula!r}")
        return result


def _number(value: Value) -> float:
    if isinstance(value, list):
        raise FormulaError("a range where a number was expected")
    return value


def _unknown(name: str) -> float:
    raise FormulaError(f"unknown function {name}")


def _sumproduct(arguments: list[Value]) -> float:
    left, right = arguments
    if not isinstance(left, list) or not isinstance(right, list) or len(left) != len(right):
        raise FormulaError("SUMPRODUCT needs two ranges of one size")
    return sum(a * b for a, b in zip(left, right, strict=True))


def _rank(arguments: list[Value]) -> float:
    value, within = arguments
    if not isinstance(within, list):
        raise FormulaError("RANK needs a range")
    return float(1 + sum(1 for other in within if other > _number(value)))


def _round(arguments: list[Value]) -> float:
    value, places = arguments
    return _excel_round(_number(value), int(_number(places)))


FUNCTIONS: dict[str, Callable[[list[Value]], float]] = {
    "SUMPRODUCT": _sumproduct,
    "RANK": _rank,
    "ROUND": _round,
}
