"""Frozen dataclasses checked as config.yaml needs: types, bounds and field checks, each problem with its key path.

Written for tracker's settings instead of pydantic, whose import alone cost more CPU than a whole `tracker status`
may (issue 12). It reads the types a config uses: str, int, float, bool, Literal[...], X | None, list[X],
dict[str, X] and nested settings classes, and converts what YAML gives as pydantic's lax mode did (an int where
a float is asked, "5" or `true` for an int, "yes" or 1 for a bool); infinite and NaN numbers are refused.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from functools import cache, partial
from types import UnionType
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

Loc = tuple[str | int, ...]
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (the key path), what (pydantic's error types), and the value."""

    loc: Loc
    kind: str  # missing, extra_forbidden, model_type, dict_type, list_type, value_error, greater_than...
    message: str
    value: Any = None


Checker = Callable[[Any, Loc, list[Problem]], Any]  # a value, where it is, the problems so far → the value or _FAILED

# A misspelt key also makes the right one "missing": the spelling is the cause, reported first.
_RANK = {"extra_forbidden": 0, "missing": 2}


class Invalid(ValueError):
    """The input breaks a rule; `problem` is the one to report first, `problems` all of them in field order."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.problem = min(problems, key=lambda problem: _RANK.get(problem.kind, 1))
        super().__init__(f"{'.'.join(map(str, self.problem.loc))}: {self.problem.message}")


class Validated:
    """Base of the checked classes: made from data by `validate`, or in code (`FetchSettings(retries=0)`,
    `dataclasses.replace`), then checked and converted the same way, or `Invalid` is raised."""

    def __post_init__(self) -> None:
        checked = validate(type(self), {f.key: getattr(self, f.name) for f in _plan(type(self)).values()})
        self.__dict__.update(vars(checked))  # converted values (a dict given for a nested class, 0 for 0.0)


def option(
    default: Any = MISSING,
    *,
    factory: Callable[[], Any] | Any = MISSING,
    alias: str | None = None,
    before: Callable[[Any], Any] | None = None,
    check: Callable[[Any], Any] | None = None,
    check_earlier: Callable[[Any, dict[str, Any]], Any] | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    description: str | None = None,
) -> Any:
    """A field and its rules, applied in this order: `before` reshapes the raw value, then its type is checked,
    then the bounds, then `check(value)` and `check_earlier(value, earlier)`, where `earlier` holds the fields
    declared above it that passed. Both return the value to keep or raise ValueError with the message to show;
    None, in an optional field, skips them. `alias`: the key in the data when the name cannot be it (`from`)."""
    metadata = {
        "alias": alias,
        "before": before,
        "check": check,
        "check_earlier": check_earlier,
        "bounds": tuple(
            (name, limit) for name, limit in (("gt", gt), ("ge", ge), ("lt", lt), ("le", le)) if limit is not None
        ),
        "min_length": min_length,
        "description": description,
    }
    return field(default=default, default_factory=factory, metadata=metadata)


def validate(cls: type[T], data: Any) -> T:
    """An instance of the checked class `cls` made from `data` (a mapping of keys), or Invalid."""
    problems: list[Problem] = []
    checked = _model(cls, data, (), problems)
    if problems:
        raise Invalid(problems)
    return checked


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Validated)


@dataclass(frozen=True)
class Field:
    """A field of a checked class as `validate` uses it: its key in the data and its resolved type."""

    name: str
    key: str
    annotation: Any
    checker: Checker  # checks and converts a value of `annotation`
    default: Callable[[], Any] | None  # None: required
    before: Callable[[Any], Any] | None
    check: Callable[[Any], Any] | None
    check_earlier: Callable[[Any, dict[str, Any]], Any] | None
    bounds: tuple[tuple[str, float], ...]
    min_length: int | None


@cache
def _plan(cls: type[Any]) -> dict[str, Field]:
    """The fields of a checked class by their key in the data, in declaration order."""
    hints = get_type_hints(cls)
    plan = {}
    for f in fields(cls):
        if f.default is not MISSING:
            default: Callable[[], Any] | None = partial(_same, f.default)
        else:
            default = None if f.default_factory is MISSING else f.default_factory
        meta = f.metadata
        key = meta.get("alias") or f.name
        plan[key] = Field(
            f.name,
            key,
            hints[f.name],
            _checker(hints[f.name]),
            default,
            meta.get("before"),
            meta.get("check"),
            meta.get("check_earlier"),
            meta.get("bounds", ()),
            meta.get("min_length"),
        )
    return plan


def fields_of(cls: type[Any]) -> list[Field]:
    return list(_plan(cls).values())


def _same(value: Any) -> Any:
    return value


_FAILED: Any = object()  # a value that did not pass; its problems are in the list


def _fail(problems: list[Problem], loc: Loc, kind: str, message: str, value: Any) -> Any:
    problems.append(Problem(loc, kind, message, value))
    return _FAILED


def _model(cls: type[Any], data: Any, loc: Loc, problems: list[Problem]) -> Any:
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        message = f"Input should be a valid dictionary or instance of {cls.__name__}"
        return _fail(problems, loc, "model_type", message, data)
    known = len(problems)
    plan = _plan(cls)
    values: dict[str, Any] = {}
    found = 0
    for key, f in plan.items():
        if key in data:
            found += 1
            value = _field(f, data[key], (*loc, key), values, problems)
            if value is not _FAILED:
                values[f.name] = value
        elif f.default is not None:
            values[f.name] = f.default()
        else:
            _fail(problems, (*loc, key), "missing", "Field required", data)
    if found < len(data):
        for key, value in data.items():
            if not isinstance(key, str):
                _fail(problems, (*loc, key), "invalid_key", "Keys should be strings", key)
            elif key not in plan:
                _fail(problems, (*loc, key), "extra_forbidden", "Extra inputs are not permitted", value)
    if len(problems) > known:
        return _FAILED
    instance = object.__new__(cls)  # checked already: __init__ and __post_init__ would check again
    instance.__dict__.update(values)  # what a frozen dataclass's __init__ does, past its __setattr__
    return instance


_BOUNDS = {
    "gt": (operator.gt, "greater_than", "greater than"),
    "ge": (operator.ge, "greater_than_equal", "greater than or equal to"),
    "lt": (operator.lt, "less_than", "less than"),
    "le": (operator.le, "less_than_equal", "less than or equal to"),
}


def _field(f: Field, raw: Any, loc: Loc, earlier: dict[str, Any], problems: list[Problem]) -> Any:
    """The field's value checked and converted, or _FAILED; problems show the value as written (`raw`)."""
    value = f.checker(f.before(raw) if f.before else raw, loc, problems)
    if value is _FAILED or value is None:  # None: an optional field left empty, nothing more to check
        return value
    for name, limit in f.bounds:
        compare, kind, words = _BOUNDS[name]
        if not compare(value, limit):
            shown = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
            return _fail(problems, loc, kind, f"Input should be {words} {shown}", raw)
    if f.min_length is not None and len(value) < f.min_length:
        items = "item" if f.min_length == 1 else "items"
        message = f"List should have at least {f.min_length} {items} after validation, not {len(value)}"
        return _fail(problems, loc, "too_short", message, raw)
    try:
        if f.check:
            value = f.check(value)
        if f.check_earlier:
            value = f.check_earlier(value, earlier)
    except ValueError as exc:
        return _fail(problems, loc, "value_error", str(exc), raw)
    return value


@cache
def _checker(annotation: Any) -> Checker:
    """The function that checks and converts a value of this type."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if origin is Literal:
        return partial(_literal, args)
    if origin in (Union, UnionType) and len(args) == 2 and type(None) in args:
        return partial(_optional, _checker(next(arg for arg in args if arg is not type(None))))
    if origin is list:
        return partial(_list, _checker(args[0]))
    if origin is dict and args[0] is str:
        return partial(_dict, _checker(args[1]))
    if is_model(annotation):
        return partial(_model, annotation)
    raise TypeError(f"no checker for {annotation!r}")


def _str(value: Any, loc: Loc, problems: list[Problem]) -> Any:
    if isinstance(value, str):
        return value
    return _fail(problems, loc, "string_type", "Input should be a valid string", value)


def _int(value: Any, loc: Loc, problems: list[Problem]) -> Any:
    if isinstance(value, int):
        return int(value)  # `true` is 1, as in pydantic's lax mode
    if isinstance(value, float):
        if not math.isfinite(value):
            return _fail(problems, loc, "finite_number", "Input should be a finite number", value)
        if value.is_integer():
            return int(value)
        message = "Input should be a valid integer, got a number with a fractional part"
        return _fail(problems, loc, "int_from_float", message, value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            message = "Input should be a valid integer, unable to parse string as an integer"
            return _fail(problems, loc, "int_parsing", message, value)
    return _fail(problems, loc, "int_type", "Input should be a valid integer", value)


def _float(value: Any, loc: Loc, problems: list[Problem]) -> Any:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            message = "Input should be a valid number, unable to parse string as a number"
            return _fail(problems, loc, "float_parsing", message, value)
    elif isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    else:
        return _fail(problems, loc, "float_type", "Input should be a valid number", value)
    # `.inf` would wait forever, NaN compares false with everything.
    if not math.isfinite(number):
        return _fail(problems, loc, "finite_number", "Input should be a finite number", value)
    return number


_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def _bool(value: Any, loc: Loc, problems: list[Problem]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, str | int) or (isinstance(value, float) and value.is_integer()):
        return _fail(problems, loc, "bool_parsing", "Input should be a valid boolean, unable to interpret input", value)
    return _fail(problems, loc, "bool_type", "Input should be a valid boolean", value)


_SCALARS: dict[Any, Checker] = {str: _str, int: _int, float: _float, bool: _bool}


def _literal(choices: tuple[Any, ...], value: Any, loc: Loc, problems: list[Problem]) -> Any:
    if value in choices:
        return value
    names = [repr(choice) for choice in choices]
    expected = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
    return _fail(problems, loc, "literal_error", f"Input should be {expected}", value)


def _optional(check: Checker, value: Any, loc: Loc, problems: list[Problem]) -> Any:
    return None if value is None else check(value, loc, problems)


def _list(check: Checker, value: Any, loc: Loc, problems: list[Problem]) -> Any:
    if not isinstance(value, list | tuple):
        return _fail(problems, loc, "list_type", "Input should be a valid list", value)
    if check is _str and all(isinstance(item, str) for item in value):
        return list(value)  # the common case (select, remove), without a call per item
    known = len(problems)
    items = [check(item, (*loc, index), problems) for index, item in enumerate(value)]
    return _FAILED if len(problems) > known else items


def _dict(check: Checker, value: Any, loc: Loc, problems: list[Problem]) -> Any:
    if not isinstance(value, dict):
        return _fail(problems, loc, "dict_type", "Input should be a valid dictionary", value)
    known = len(problems)
    entries = {}
    for key, item in value.items():
        if not isinstance(key, str):
            _fail(problems, (*loc, key, "[key]"), "string_type", "Input should be a valid string", key)
        entries[key] = check(item, (*loc, key), problems)
    return _FAILED if len(problems) > known else entries
