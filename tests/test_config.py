"""Settings: environment variables, a TOML file, validation, no secrets shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bridge.__main__ import main
from bridge.config import Settings

EARLIER_SYSTEM = """
read_instance = "prod"
write_instance = "dev"

[instances.prod]
url = "https://erp.example.com"
database = "production"
login = "bot@example.com"
password = "prod-password-123"
read_only = true

[instances.dev]
url = "https://erp-dev.example.com"
database = "development"
api_key = "dev-api-key-123456"
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MCP_ODOO_* from the developer's shell or a .env file leaks in."""
    for name in list(os.environ):
        if name.startswith("MCP_ODOO_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_instances_come_from_nested_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MCP_ODOO_INSTANCES__prod__URL", "https://erp.example.com")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__prod__API_KEY", "prod-key-123456")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__prod__READ_ONLY", "true")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__URL", "http://localhost:8069")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__API_KEY", "dev-key-123456")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__DATABASE", "dev")
    monkeypatch.setenv("MCP_ODOO_READ_INSTANCE", "prod")
    monkeypatch.setenv("MCP_ODOO_HTTP__TOKENS", '{"claude": "token-123456"}')
    settings = Settings()
    assert settings.instances["prod"].read_only is True
    assert settings.instances["dev"].read_only is False
    assert settings.instances["dev"].database == "dev"
    assert settings.default_instance(write=False) == "prod"
    assert settings.default_instance(write=True) == "dev"
    assert settings.http.tokens["claude"].get_secret_value() == "token-123456"


def test_instances_come_from_one_json_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "MCP_ODOO_INSTANCES",
        json.dumps({"main": {"url": "http://odoo:8069", "api_key": "k-123456"}}),
    )
    settings = Settings()
    assert settings.instances["main"].base_url == "http://odoo:8069"
    assert settings.default_instance(write=True) == "main"


def test_a_toml_file_expresses_the_earlier_systems_setup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text(EARLIER_SYSTEM)
    from_argument = Settings(config_file=config)
    monkeypatch.setenv("MCP_ODOO_CONFIG_FILE", str(config))
    monkeypatch.setenv("MCP_ODOO_WRITE_INSTANCE", "prod")
    from_environment = Settings()
    prod = from_argument.instances["prod"]
    assert (prod.read_only, prod.login, prod.api_key) == (True, "bot@example.com", None)
    assert from_argument.default_instance(write=True) == "dev"
    # Environment variables win over the file.
    assert from_environment.write_instance == "prod"


def test_an_instance_without_credentials_is_refused() -> None:
    with pytest.raises(ValidationError, match="api_key, or login and password"):
        Settings(instances={"prod": {"url": "http://odoo:8069", "login": "admin"}})


def test_defaults_must_name_configured_instances() -> None:
    with pytest.raises(ValidationError, match="unknown instance 'staging'"):
        Settings(
            instances={"prod": {"url": "http://odoo:8069", "api_key": "k-123456"}},
            write_instance="staging",
        )


def test_writes_default_to_the_first_writable_instance() -> None:
    settings = Settings(
        instances={
            "prod": {"url": "http://a", "api_key": "k-123456", "read_only": True},
            "dev": {"url": "http://b", "api_key": "k-654321"},
        }
    )
    assert settings.default_instance(write=False) == "prod"
    assert settings.default_instance(write=True) == "dev"


def test_secrets_never_appear_in_the_settings_repr(tmp_path: Path) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text(EARLIER_SYSTEM)
    settings = Settings(
        config_file=config, http={"tokens": {"n8n": "token-abcdef-123"}}
    )
    shown = repr(settings) + str(settings.model_dump())
    for secret in ("prod-password-123", "dev-api-key-123456", "token-abcdef-123"):
        assert secret not in shown
        assert secret in settings.secrets()


def test_serve_refuses_to_listen_beyond_loopback_without_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MCP_ODOO_HTTP__HOST", "0.0.0.0")
    assert main(["serve"]) == 2
    assert "without bearer tokens" in capsys.readouterr().err


def test_own_odoo_users_must_name_known_clients_and_instances() -> None:
    instance = {"url": "http://odoo:8069", "api_key": "instance-key-123456"}
    bob = {"login": "bob", "api_keys": {"dev": "bob-key-123456"}}
    with pytest.raises(ValidationError, match="without a token: \\['bob'\\]"):
        Settings(instances={"dev": instance}, http={"odoo_users": {"bob": bob}})
    with pytest.raises(ValidationError, match="unknown instances \\['prod'\\]"):
        Settings(
            instances={"dev": instance},
            oauth={
                "issuer": "https://idp.example.com",
                "resource": "https://bridge.example.com/mcp",
                "users": {"bob@example.com": {**bob, "api_keys": {"prod": "k" * 12}}},
            },
        )


def test_oauth_refuses_symmetric_and_unsigned_algorithms() -> None:
    with pytest.raises(ValidationError, match="may not include HS256, none"):
        Settings(
            oauth={
                "issuer": "https://idp.example.com",
                "resource": "https://bridge.example.com/mcp",
                "algorithms": ["RS256", "HS256", "none"],
            }
        )


def test_per_user_api_keys_are_secrets_and_oauth_alone_may_guard_serve() -> None:
    settings = Settings(
        instances={"dev": {"url": "http://odoo:8069", "api_key": "instance-key-1"}},
        http={"host": "0.0.0.0"},
        oauth={
            "issuer": "https://idp.example.com",
            "resource": "https://bridge.example.com/mcp",
            "users": {
                "ann@example.com": {"login": "ann", "api_keys": {"dev": "ann-key-123"}}
            },
        },
    )
    settings.check_serve()
    assert "ann-key-123" in settings.secrets()
    assert "ann-key-123" not in repr(settings)


@pytest.mark.parametrize(
    ("instance", "setting"),
    [
        ({"login": "bot", "password": "p-123456", "protocol": "json2"}, "API_KEY"),
        ({"login": "bot", "password": "p-123456"}, "DATABASE"),
        ({"api_key": "k-123456", "database": "odoo", "protocol": "odoorpc"}, "LOGIN"),
    ],
)
def test_an_instance_missing_what_its_protocol_needs_is_refused_naming_it(
    instance: dict[str, str], setting: str
) -> None:
    with pytest.raises(ValidationError, match=f"MCP_ODOO_INSTANCES__dev__{setting}"):
        Settings(instances={"dev": {"url": "http://odoo:8069", **instance}})


def test_a_callers_own_odoo_user_is_refused_on_an_odoorpc_instance() -> None:
    legacy = {
        "url": "http://odoo17:8069",
        "database": "odoo",
        "login": "bot",
        "password": "p-123456",
        "protocol": "odoorpc",
    }
    bob = {"login": "bob", "api_keys": {"legacy": "bob-key-123456"}}
    with pytest.raises(ValidationError, match="odoorpc instances \\['legacy'\\]"):
        Settings(
            instances={"legacy": legacy},
            http={"tokens": {"bob": "token-123456"}, "odoo_users": {"bob": bob}},
        )


def test_serve_prints_the_missing_setting_instead_of_starting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__URL", "http://odoo:8069")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__LOGIN", "bot")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__PASSWORD", "p-123456")
    assert main(["serve"]) == 2
    assert "MCP_ODOO_INSTANCES__dev__DATABASE" in capsys.readouterr().err


def test_the_audit_folder_defaults_to_the_users_state_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    audit = Settings().audit
    assert audit.directory == tmp_path / "state" / "mcp-odoo" / "audit"
    assert audit.spool_directory == tmp_path / "state" / "mcp-odoo" / "audit-spool"
    # Without XDG_STATE_HOME (or with a relative one, which the XDG
    # specification says to ignore): the specification's default.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unset in ("", "relative/state"):
        monkeypatch.setenv("XDG_STATE_HOME", unset)
        expected = tmp_path / "home" / ".local" / "state" / "mcp-odoo" / "audit"
        assert Settings().audit.directory == expected


def test_stdio_refuses_to_start_when_the_audit_folder_cannot_be_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__URL", "http://odoo:8069")
    monkeypatch.setenv("MCP_ODOO_INSTANCES__dev__API_KEY", "k-123456")
    monkeypatch.setenv("MCP_ODOO_AUDIT__DIRECTORY", str(blocker / "audit"))
    assert main(["stdio"]) == 2
    err = capsys.readouterr().err
    assert "MCP_ODOO_AUDIT__DIRECTORY" in err
    assert str(blocker / "audit") in err
