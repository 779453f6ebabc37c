"""The fake's JSON-2 API, after Odoo's addons/rpc/controllers/json2.py and
odoo/http.py (``Json2Dispatcher.handle_error``, ``serialize_exception``): same
paths, bearer keys, status codes and error bodies. A small domain evaluator
covers what the bridge sends."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fake_odoo.data import DEFAULTS, MANY, SCHEMA

WRITE_METHODS = {"create", "write", "unlink", "web_save"}


class OdooException(Exception):
    """An exception as Odoo would raise it: class path, message, HTTP status."""

    def __init__(self, name: str, message: str, status: int) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.status = status


def _not_found(message: str) -> OdooException:
    return OdooException("werkzeug.exceptions.NotFound", message, 404)


def _value_error(message: str) -> OdooException:
    return OdooException("builtins.ValueError", message, 500)


def _error_response(exc: OdooException) -> JSONResponse:
    """Odoo's serialize_exception() body."""
    return JSONResponse(
        {
            "name": exc.name,
            "message": exc.message,
            "arguments": [exc.message],
            "context": {},
            "debug": f"Traceback (most recent call last):\n{exc.name}: {exc.message}",
        },
        status_code=exc.status,
    )


class Json2:
    """Mixed into FakeOdoo: ``/web/version`` and ``/json/2/<model>/<method>``."""

    data: dict[str, dict[int, dict[str, Any]]]
    calls: Counter[str]
    missing_models: set[str]
    fail_next: list[int]
    _ids: Iterator[int]
    _user: Callable[[Request], int | None]
    _record_request: Callable[[Request, Any], None]

    async def version(self, request: Request) -> Response:
        return JSONResponse(
            {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}
        )

    async def json2(self, request: Request) -> Response:
        model = request.path_params["model"]
        method = request.path_params["method"]
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self._record_request(request, body)
        self.calls[f"{model}.{method}"] += 1
        if self.fail_next:
            return Response("Bad gateway", status_code=self.fail_next.pop(0))
        uid = self._user(request)
        if uid is None:
            return _error_response(
                OdooException("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401)
            )
        try:
            if not isinstance(body, dict):
                raise OdooException(
                    "werkzeug.exceptions.BadRequest", "Invalid JSON body", 400
                )
            result = self._dispatch(uid, model, method, body)
        except OdooException as exc:
            return _error_response(exc)
        return JSONResponse(result)

    # -- JSON-2 methods ----------------------------------------------------------

    def _dispatch(self, uid: int, model: str, method: str, body: dict[str, Any]) -> Any:
        if model not in SCHEMA or model in self.missing_models:
            raise _not_found(f"the model {model!r} does not exist")
        handlers: dict[str, Callable[..., Any]] = {
            "search_read": self._search_read,
            "web_search_read": self._web_search_read,
            "read": self._read,
            "create": self._create,
            "write": self._write,
            "web_save": self._web_save,
        }
        handler = handlers.get(method)
        if handler is None:
            raise _not_found(
                f"The method {method!r} does not exist on the model {model!r}"
            )
        if method in WRITE_METHODS and uid != 2:
            raise OdooException(
                "odoo.exceptions.AccessError",
                f"You are not allowed to modify '{model}' records.",
                403,
            )
        kwargs = dict(body)
        kwargs.pop("context", None)
        ids = kwargs.pop("ids", None)
        if method in ("create", "search_read", "web_search_read") and ids:
            raise OdooException(
                "werkzeug.exceptions.UnprocessableEntity",
                f"cannot call {model}.{method} with ids",
                422,
            )
        try:
            return handler(model, ids or [], **kwargs)
        except TypeError as exc:
            raise OdooException(
                "werkzeug.exceptions.UnprocessableEntity", str(exc), 422
            ) from None

    def _check_fields(self, model: str, fields: list[str]) -> None:
        for name in fields:
            if name not in SCHEMA[model] and name not in ("id", "display_name"):
                raise _value_error(f"Invalid field {name!r} on model {model!r}")

    def _plain(
        self, model: str, row: dict[str, Any], fields: list[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row["id"]}
        for name in fields:
            if name == "display_name":
                out[name] = row["name"]
                continue
            value = row.get(name, False)
            comodel = SCHEMA[model].get(name)
            if comodel and (model, name) not in MANY and value:
                out[name] = [value, self.data[comodel][value]["name"]]
            else:
                out[name] = copy.deepcopy(value)
        return out

    def _search(
        self,
        model: str,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        if not isinstance(domain, list):
            raise _value_error(f"Invalid domain: {domain!r}")
        predicate = self._compile(model, domain)
        rows = [r for r in self.data[model].values() if predicate(r)]
        for part in reversed((order or "id").split(",")):
            words = part.split()
            if not words:
                continue
            name = words[0]
            self._check_fields(model, [name])
            reverse = len(words) > 1 and words[1].lower() == "desc"
            rows.sort(
                key=lambda r, n=name: (
                    r.get(n) in (False, None),
                    str(r.get(n)).lower()
                    if not isinstance(r.get(n), int | float)
                    else f"{r.get(n):020.4f}",
                ),
                reverse=reverse,
            )
        rows = rows[offset:]
        return rows[:limit] if limit else rows

    def _search_read(
        self,
        model: str,
        ids: list[int],
        domain: Any = None,
        fields: Any = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        fields = list(fields or SCHEMA[model])
        self._check_fields(model, fields)
        rows = self._search(model, domain or [], offset, limit, order)
        return [self._plain(model, r, fields) for r in rows]

    def _web_read(self, model: str, row: dict[str, Any], spec: dict[str, Any]) -> dict:
        out: dict[str, Any] = {"id": row["id"]}
        for name, sub in spec.items():
            self._check_fields(model, [name])
            if name == "display_name":
                out[name] = row["name"]
                continue
            value = row.get(name, False)
            comodel = SCHEMA[model].get(name)
            named = comodel and isinstance(sub, dict) and "fields" in sub
            if (model, name) in MANY:
                out[name] = (
                    [
                        {"id": v, "display_name": self.data[comodel][v]["name"]}
                        for v in value
                    ]
                    if named and comodel
                    else list(value)
                )
            elif comodel and value:
                out[name] = (
                    {"id": value, "display_name": self.data[comodel][value]["name"]}
                    if named
                    else value
                )
            else:
                out[name] = value
        return out

    def _web_search_read(
        self,
        model: str,
        ids: list[int],
        domain: Any,
        specification: dict[str, Any],
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        count_limit: int | None = None,
    ) -> dict[str, Any]:
        rows = self._search(model, domain, offset, limit, order)
        records = [self._web_read(model, r, specification) for r in rows]
        length = len(records) + offset
        if (
            limit
            and len(records) == limit
            and not (count_limit and count_limit <= length)
        ):
            self.calls[f"{model}.search_count"] += 1
            length = len(self._search(model, domain))
        return {"length": length, "records": records}

    def _existing(self, model: str, ids: list[int]) -> list[dict[str, Any]]:
        missing = [i for i in ids if i not in self.data[model]]
        if missing:
            raise OdooException(
                "odoo.exceptions.MissingError",
                f"Record does not exist or has been deleted.\n"
                f"(Record: {model}({missing[0]},), User: 2)",
                404,
            )
        return [self.data[model][i] for i in ids]

    def _read(self, model: str, ids: list[int], fields: Any = None) -> list[dict]:
        fields = list(fields or SCHEMA[model])
        self._check_fields(model, fields)
        # Like Odoo 19, ids that do not exist are left out rather than refused.
        rows = [self.data[model][i] for i in ids if i in self.data[model]]
        return [self._plain(model, r, fields) for r in rows]

    def _apply(self, model: str, row: dict[str, Any], vals: dict[str, Any]) -> None:
        for name, value in vals.items():
            if name not in SCHEMA[model]:
                raise _value_error(f"Invalid field {name!r} on model {model!r}")
            if (model, name) in MANY:
                # Command.set: [[6, 0, ids]]
                row[name] = list(value[0][2]) if value else []
            else:
                row[name] = value

    def _create(self, model: str, ids: list[int], vals_list: Any) -> list[int]:
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        created = []
        for vals in vals_list:
            if model == "sale.order" and not vals.get("name"):
                vals = {**vals, "name": f"S{len(self.data[model]) + 100:05d}"}
            if not vals.get("name"):
                raise OdooException(
                    "odoo.exceptions.ValidationError",
                    "The operation cannot be completed: Name is required.",
                    422,
                )
            row = dict.fromkeys(SCHEMA[model], False)
            if (model, "user_ids") in MANY:
                row["user_ids"] = []
            row["id"] = next(self._ids)
            row.update(DEFAULTS.get(model, {}))
            self._apply(model, row, vals)
            self.data[model][row["id"]] = row
            created.append(row["id"])
        return created

    def _write(self, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
        for row in self._existing(model, ids):
            self._apply(model, row, vals)
        return True

    def _web_save(
        self,
        model: str,
        ids: list[int],
        vals: dict[str, Any],
        specification: dict[str, Any],
        next_id: int | None = None,
    ) -> list[dict]:
        if ids:
            self._write(model, ids, vals)
        else:
            ids = self._create(model, [], [vals])
        return [
            self._web_read(model, r, specification) for r in self._existing(model, ids)
        ]

    # -- domains -------------------------------------------------------------------

    def _compile(self, model: str, domain: list[Any]) -> Callable[[dict], bool]:
        items = list(domain)

        def term() -> Callable[[dict], bool]:
            if not items:
                raise _value_error(f"Invalid domain {domain!r}")
            item = items.pop(0)
            if item == "!":
                inner = term()
                return lambda r: not inner(r)
            if item in ("&", "|"):
                left, right = term(), term()
                if item == "&":
                    return lambda r: left(r) and right(r)
                return lambda r: left(r) or right(r)
            if not isinstance(item, list | tuple) or len(item) != 3:
                raise _value_error(f"Invalid leaf {item!r}")
            return self._leaf(model, *item)

        parts = []
        while items:
            parts.append(term())
        return lambda r: all(p(r) for p in parts)

    def _leaf(
        self, model: str, path: Any, op: Any, value: Any
    ) -> Callable[[dict], bool]:
        if not isinstance(path, str):
            raise _value_error(f"Invalid leaf field {path!r}")
        name, _, rest = path.partition(".")
        if name not in SCHEMA[model] and name != "id":
            raise _value_error(f"Invalid field {model}.{name} in leaf {path!r}")
        comodel = SCHEMA[model].get(name)
        if rest:
            if not comodel:
                raise _value_error(f"Invalid path {path!r}")
            sub = self._leaf(comodel, rest, op, value)

            def follow(r: dict) -> bool:
                targets = r[name] if (model, name) in MANY else [r[name]]
                return any(t and sub(self.data[comodel][t]) for t in targets)

            return follow
        compare = _OPERATORS.get(str(op).lower())
        if compare is None:
            raise _value_error(f"Invalid operator {op!r} in leaf {path!r}")

        def test(r: dict) -> bool:
            current = r.get(name, False)
            if comodel and op in ("ilike", "not ilike") and isinstance(value, str):
                targets = current if (model, name) in MANY else [current]
                names = [self.data[comodel][t]["name"] for t in targets if t]
                hit = any(value.lower() in n.lower() for n in names)
                return hit if op == "ilike" else not hit
            if (model, name) in MANY and op == "in":
                return bool(set(current) & set(value))
            return compare(current, value)

        return test


def _ilike(a: Any, b: Any) -> bool:
    return isinstance(a, str) and str(b).lower() in a.lower()


def _ordered(check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: a not in (False, None) and check(a, b)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "ilike": _ilike,
    "not ilike": lambda a, b: not _ilike(a, b),
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
    "<": _ordered(lambda a, b: a < b),
    ">": _ordered(lambda a, b: a > b),
    "<=": _ordered(lambda a, b: a <= b),
    ">=": _ordered(lambda a, b: a >= b),
}
