"""A tool is declared once: a handler, the params model it takes, its MCP
annotations and its `Use` of an instance (which one serves it when the caller
names none). `publish` puts it on an MCPServer with the params model's fields
as its arguments, and chooses its instance from that `Use`."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import ToolAnnotations
from pydantic import BaseModel, create_model
from pydantic.fields import FieldInfo

from bridge.errors import BridgeError, OdooError
from bridge.instances import READS, Use
from bridge.service import OdooService

READ = ToolAnnotations(
    read_only_hint=True,
    destructive_hint=False,
    idempotent_hint=True,
    open_world_hint=False,
)
CREATE = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=False,
    idempotent_hint=False,
    open_world_hint=False,
)
UPDATE = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=True,
    idempotent_hint=True,
    open_world_hint=False,
)
QUOTE = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=False,
    idempotent_hint=True,
    open_world_hint=False,
)


@dataclass(frozen=True)
class ToolCall:
    """What a handler may use: the operations and the call's MCP context."""

    service: OdooService
    ctx: Context


Handler = Callable[[Any, ToolCall], Awaitable[BaseModel]]

_DEFS = "#/$defs/"
# Keywords whose values are data, not schemas: never rewritten.
_DATA_KEYWORDS = frozenset({"default", "examples", "enum", "const"})
# Keywords an `anyOf` arm may not carry to be merged into a type list.
_COMBINATORS = frozenset({"anyOf", "oneOf", "allOf", "not", "if", "$ref"})


def flat_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without `$ref`s and with nullables as type lists, meaning the same.

    The official clients validate every result against the output schema;
    resolving `$ref`s and trying `anyOf` arms made that ~10x slower.
    """
    defs: dict[str, Any] = schema.get("$defs", {})

    def flat(node: Any, inside: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [flat(item, inside) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS):
            name = ref.removeprefix(_DEFS)
            if name in inside:
                raise ValueError(f"recursive schema {name!r} cannot be inlined")
            target = flat(defs[name], inside | {name})
            rest = {key: value for key, value in node.items() if key != "$ref"}
            return {**target, **flat(rest, inside)}
        out = {
            key: value if key in _DATA_KEYWORDS else flat(value, inside)
            for key, value in node.items()
            if key != "$defs"
        }
        return _nullable_as_type_list(out)

    return dict(flat(schema, frozenset()))


def _nullable_as_type_list(node: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [{"type": T, ...}, {"type": "null"}]` as `type: [T, "null"]`."""
    arms = node.get("anyOf")
    if not isinstance(arms, list) or len(arms) != 2 or {"type": "null"} not in arms:
        return node
    (arm,) = [a for a in arms if a != {"type": "null"}]
    if not isinstance(arm.get("type"), str) or _COMBINATORS & arm.keys():
        return node
    merged = {**arm, **{k: v for k, v in node.items() if k != "anyOf"}}
    merged["type"] = [arm["type"], "null"]
    if "const" in arm:
        merged["enum"] = [merged.pop("const"), None]
    elif "enum" in arm:
        merged["enum"] = [*arm["enum"], None]
    return merged


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its handler (name, docstring, return type) and how it is shown."""

    handler: Handler
    params: type[BaseModel]
    annotations: ToolAnnotations
    title: str
    use: Use

    @property
    def name(self) -> str:
        """The tool's name: its handler's."""
        return self.handler.__name__


class Toolbox:
    """The tools of one module, in the order they are declared."""

    def __init__(self) -> None:
        self.specs: list[ToolSpec] = []

    def tool(
        self,
        params: type[BaseModel],
        annotations: ToolAnnotations,
        title: str,
        *,
        use: Use = READS,
    ) -> Callable[[Handler], Handler]:
        """Declare the decorated handler as a tool taking `params`."""

        def declare(handler: Handler) -> Handler:
            spec = ToolSpec(handler, params, annotations, title, use)
            self.specs.append(spec)
            return handler

        return declare


def publish(
    spec: ToolSpec,
    call: Callable[[Context], ToolCall],
    configured: dict[str, tuple[Any, FieldInfo]],
) -> Tool:
    """`spec` as an MCPServer tool; expected failures become its error message.

    The SDK validates a call's arguments with the params model itself (with
    the `configured` fields in place of its own), so an unknown argument is
    refused by name (`extra="forbid"`) and the handler gets the params as
    validated, without a second model or a second validation.
    """
    overrides: dict[str, Any] = {
        name: configured[name]
        for name in spec.params.model_fields
        if name in configured
    }
    arguments_model = create_model(
        f"{spec.name}Arguments",
        __base__=(spec.params, ArgModelBase),
        __module__=spec.params.__module__,
        **overrides,
    )
    output_model = typing.get_type_hints(spec.handler)["return"]

    async def run(ctx: Context, **arguments: Any) -> BaseModel:
        # `arguments` are the validated fields of an `arguments_model`.
        tool_call = call(ctx)
        try:
            if "instance" in arguments:
                chosen = tool_call.service.instances.choose(
                    arguments["instance"], spec.use
                )
                arguments["instance"] = chosen.name
            params = arguments_model.model_construct(**arguments)
            return await spec.handler(params, tool_call)
        except (OdooError, BridgeError) as exc:
            raise ToolError(str(exc)) from None

    return Tool(
        fn=run,
        name=spec.name,
        title=spec.title,
        description=inspect.getdoc(spec.handler) or "",
        parameters=arguments_model.model_json_schema(by_alias=True),
        fn_metadata=FuncMetadata(
            arg_model=arguments_model,
            output_model=output_model,
            output_schema=flat_schema(output_model.model_json_schema()),
        ),
        is_async=True,
        context_kwarg="ctx",
        annotations=spec.annotations,
    )
