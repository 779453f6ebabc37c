"""Which instance serves a call: one choice from the operation's use."""

from __future__ import annotations

import pytest

from bridge.config import Settings
from bridge.errors import ReadOnlyInstance, UnknownInstance
from bridge.instances import QUOTATION_READS, READS, WRITES, Instances


@pytest.fixture
def instances() -> Instances:
    key = {"api_key": "k-123456"}
    return Instances(
        Settings(
            instances={
                "prod": {"url": "http://prod", "read_only": True, **key},
                "dev": {"url": "http://dev", **key},
            },
            read_instance="prod",
            write_instance="dev",
        )
    )


def test_each_use_defaults_to_its_configured_instance(instances: Instances) -> None:
    assert instances.choose(None, READS).name == "prod"
    assert instances.choose(None, WRITES).name == "dev"
    # Quotations live where they are created; their status is read there.
    assert instances.choose(None, QUOTATION_READS).name == "dev"


def test_a_named_instance_wins_but_writes_never_reach_a_read_only_one(
    instances: Instances,
) -> None:
    assert instances.choose("dev", READS).name == "dev"
    assert instances.choose("prod", QUOTATION_READS).name == "prod"
    with pytest.raises(ReadOnlyInstance, match="'prod' is read-only.*'dev'"):
        instances.choose("prod", WRITES)
    with pytest.raises(UnknownInstance, match="'staging' \\(configured: prod, dev"):
        instances.choose("staging", READS)


def test_without_instances_the_choice_names_the_setting() -> None:
    empty = Instances(Settings(instances={}))
    assert empty.default_name(READS) is None
    with pytest.raises(UnknownInstance, match="MCP_ODOO_INSTANCES"):
        empty.choose(None, READS)
