"""The bridge's copy of the addon's contract holds to the addon's own, name by
name, and the bridge's quotation models take exactly the addon's payload."""

from __future__ import annotations

import pytest
from fake_odoo.addon import contract as ADDON

from bridge import addon_contract
from bridge.params import CreateQuotation, QuotationLine

SHARED_NAMES = [
    name for name in dir(addon_contract) if name.isupper() and not name.startswith("_")
]


def test_the_bridge_copies_every_name_it_relies_on() -> None:
    """The bridge's copy is not empty, so the comparison below compares."""
    assert {"QUOTATIONS_PATH", "MAX_BODY_BYTES", "ERROR_CODES"} <= set(SHARED_NAMES)


@pytest.mark.parametrize("name", SHARED_NAMES)
def test_each_constant_of_the_bridge_equals_the_addons(name: str) -> None:
    """A path, limit, state list or error code the bridge relies on is the addon's."""
    ours = getattr(addon_contract, name)
    theirs = getattr(ADDON, name)
    if isinstance(ours, frozenset | set):
        theirs = frozenset(theirs)
    assert ours == theirs


def accepted_names(model: type) -> set[str]:
    """Every key a model validates, by name or by alias."""
    names = set()
    for name, field in model.model_fields.items():
        names.add(name)
        alias = field.validation_alias
        if alias is not None and hasattr(alias, "choices"):
            names.update(str(choice) for choice in alias.choices)
    return names


def test_a_line_takes_exactly_the_addons_line_fields_and_aliases() -> None:
    """QuotationLine accepts the addon's line keys and Odoo's names for them."""
    assert accepted_names(QuotationLine) == set(ADDON.LINE_FIELDS) | set(
        ADDON.LINE_ALIASES
    )
    for alias, field in ADDON.LINE_ALIASES.items():
        choices = QuotationLine.model_fields[field].validation_alias.choices
        assert alias in choices


def test_create_quotation_sends_only_keys_the_addon_takes() -> None:
    """The MCP tool's body never holds a key the addon would refuse with 422."""
    one = CreateQuotation(
        partner_name="Acme",
        email="jane@acme.example",
        idempotency_key="key-0001",
        contact_name="Jane",
        phone="+34 600 000 000",
        lead_name="Robots",
        notes="Call back",
        product_ref="PUDU",
        product_qty=2,
        product_price=10.0,
        user_id=2,
        team_id=1,
        source_ref="conv_1",
        send_quotation=True,
    )
    several = CreateQuotation(
        partner_name="Acme",
        email="jane@acme.example",
        idempotency_key="key-0002",
        lines=[QuotationLine(product_id=1, quantity=2, price_unit=5.0)],
    )
    allowed = set(ADDON.REQUEST_FIELDS) | set(ADDON.LINE_FIELDS)
    for body in (one.body(), several.body()):
        assert set(body) <= allowed
        for line in body.get("lines", []):
            assert set(line) <= set(ADDON.LINE_FIELDS)
    assert one.body()["source"] in ADDON.SOURCES
