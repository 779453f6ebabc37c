"""Bridge settings: environment variables (prefix ``MCP_ODOO_``) and a TOML file."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "MCP_ODOO_"


class ConfigError(ValueError):
    """The configuration cannot work; raised before anything starts."""


def instance_setting(instance: str, field: str) -> str:
    """The environment variable that sets `field` of an instance."""
    return f"{ENV_PREFIX}INSTANCES__{instance}__{field.upper()}"


class OdooInstance(BaseModel):
    """One Odoo database the bridge may talk to."""

    url: AnyHttpUrl
    database: str | None = Field(
        default=None,
        description="Database name; sent as X-Odoo-Database (required for odoorpc).",
    )
    api_key: SecretStr | None = None
    login: str | None = Field(
        default=None,
        description="Login of the user the API key or password belongs to; "
        "required for odoorpc (Odoo 17/18).",
    )
    password: SecretStr | None = None
    read_only: bool = False
    protocol: Literal["auto", "json2", "odoorpc"] = Field(
        default="auto",
        description="json2 for Odoo 19+, odoorpc for 17/18, auto detects it.",
    )
    public_url: AnyHttpUrl | None = Field(
        default=None,
        description="Base URL used in links to the Odoo UI when it differs from url.",
    )
    timeout: float = Field(default=15.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)

    @model_validator(mode="after")
    def _has_credentials(self) -> Self:
        if self.api_key is None and (self.login is None or self.password is None):
            raise ValueError("an Odoo instance needs api_key, or login and password")
        return self

    def missing_for_protocol(self, protocol: str | None = None) -> str | None:
        """The first setting `protocol` (by default the configured one) needs
        that is not set, if any.

        JSON-2 authenticates with an API key; odoorpc logs in to a database
        with a login, and Odoo 17/18 take an API key only as the password of
        its user's login: no RPC of theirs tells the user a key belongs to. With
        `auto`, an instance without an API key can only be served by odoorpc;
        one with a key is checked again once its protocol is detected.
        """
        protocol = protocol or self.protocol
        if protocol == "json2" and self.api_key is None:
            return "api_key"
        if protocol == "odoorpc" or self.api_key is None:
            if not self.database:
                return "database"
            if not self.login:
                return "login"
        return None

    @property
    def base_url(self) -> str:
        """The URL without a trailing slash."""
        return str(self.url).rstrip("/")

    @property
    def ui_url(self) -> str:
        """The URL of the Odoo web client, without a trailing slash."""
        return str(self.public_url or self.url).rstrip("/")


class S3Settings(BaseModel):
    """Where audit documents go when S3 (or MinIO) is used."""

    bucket: str
    prefix: str = "mcp-odoo-bridge/"
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None


def state_directory() -> Path:
    """The bridge's per-user state folder: `$XDG_STATE_HOME/mcp-odoo`, else
    `~/.local/state/mcp-odoo` (the XDG Base Directory specification)."""
    # MCP clients start stdio servers in a working directory of their own
    # choosing (often / or the home folder): a default relative to it would
    # scatter the audit log. The specification ignores a relative value.
    configured = os.environ.get("XDG_STATE_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else None
    return (base or Path.home() / ".local" / "state") / "mcp-odoo"


class AuditSettings(BaseModel):
    """The audit log: S3 when configured, else a local folder."""

    directory: Path = Field(default_factory=lambda: state_directory() / "audit")
    spool_directory: Path = Field(
        default_factory=lambda: state_directory() / "audit-spool"
    )
    s3: S3Settings | None = None
    retry_seconds: float = Field(default=5.0, gt=0)


class OdooUser(BaseModel):
    """The Odoo user a caller acts as: its login, and its API key per instance.

    Its calls then run as that user, so Odoo's access rights and record rules
    decide what it may read and write.
    """

    login: str = Field(min_length=1, description="Odoo login, named in the audit.")
    api_keys: dict[str, SecretStr] = Field(
        min_length=1, description="Instance name -> the user's Odoo API key."
    )


class OAuthSettings(BaseModel):
    """Access tokens from an external OpenID Connect provider (RFC 9068 JWTs)."""

    # Plain strings, not URLs: `iss` is compared character for character, and a
    # URL type would add a trailing slash to a bare host.
    issuer: str = Field(
        pattern=r"^https?://",
        description="The provider's issuer, exactly as its discovery document "
        "spells it; tokens' `iss` must equal it.",
    )
    resource: str = Field(
        pattern=r"^https?://",
        description="The bridge's public MCP URL (https://host/mcp): the tokens' "
        "audience and the resource of its Protected Resource Metadata.",
    )
    audiences: list[str] = Field(
        default_factory=list,
        description="Other `aud` values accepted besides `resource`.",
    )
    jwks_url: AnyHttpUrl | None = Field(
        default=None,
        description="The provider's JWKS; default: its OpenID discovery document's.",
    )
    algorithms: list[str] = Field(
        default_factory=lambda: ["RS256", "PS256", "ES256", "EdDSA"], min_length=1
    )
    required_scopes: list[str] = Field(default_factory=list)
    user_claim: Literal["email", "sub"] = Field(
        default="email", description="The claim that names the Odoo user in `users`."
    )
    users: dict[str, OdooUser] = Field(
        default_factory=dict,
        description="`user_claim` value -> the Odoo user its calls run as.",
    )
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwks_refresh_seconds: float = Field(
        default=60.0,
        ge=0,
        description="An unknown key id refetches the JWKS at most this often.",
    )

    @model_validator(mode="after")
    def _only_asymmetric(self) -> Self:
        # A shared-secret or unsigned token could be forged by anyone who can
        # read the JWKS or nothing at all.
        refused = [a for a in self.algorithms if a == "none" or a.startswith("HS")]
        if refused:
            raise ValueError(f"algorithms may not include {', '.join(refused)}")
        return self


class HttpSettings(BaseModel):
    """How `serve` listens and whom it lets in."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Client name -> bearer token; required beyond loopback.",
    )
    odoo_users: dict[str, OdooUser] = Field(
        default_factory=dict,
        description="Client name -> the Odoo user its token acts as; clients "
        "left out use the instance's API key.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    )
    allowed_origins: list[str] = Field(
        default_factory=lambda: [
            "http://127.0.0.1:*",
            "http://localhost:*",
            "http://[::1]:*",
        ]
    )
    # Every request body the bridge reads, MCP messages included: larger than
    # the quotation routes' 64 KiB (the addon's limit, applied to them apart),
    # because a tool call may carry a long task or lead description.
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    rate_limit_per_minute: int = Field(default=120, ge=0)

    @property
    def is_loopback(self) -> bool:
        """True when only this machine can reach the listener."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


class Settings(BaseSettings):
    """Everything the bridge can be told; see docs/bridge.md."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    config_file: Path | None = None
    instances: dict[str, OdooInstance] = Field(default_factory=dict)
    read_instance: str | None = Field(
        default=None,
        description="Instance used by read tools when the caller names none.",
    )
    write_instance: str | None = Field(
        default=None,
        description="Instance used by write tools and quotations by default.",
    )
    http: HttpSettings = Field(default_factory=HttpSettings)
    oauth: OAuthSettings | None = None
    audit: AuditSettings = Field(default_factory=AuditSettings)
    default_page_size: int = Field(default=25, ge=1, le=100)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    quotation_wait_seconds: float = Field(default=60.0, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's path itself comes from the other sources, so read it first.
        located = _ConfigFileLocation()
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            dotenv_settings,
        ]
        path = init_settings().get("config_file") or located.config_file
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        sources.append(file_secret_settings)
        return tuple(sources)

    @model_validator(mode="after")
    def _defaults_name_instances(self) -> Self:
        for field in ("read_instance", "write_instance"):
            name = getattr(self, field)
            if name is not None and name not in self.instances:
                raise ValueError(f"{field} names unknown instance {name!r}")
        if self.default_page_size > self.max_page_size:
            raise ValueError("default_page_size is larger than max_page_size")
        unknown_clients = sorted(set(self.http.odoo_users) - set(self.http.tokens))
        if unknown_clients:
            raise ValueError(
                f"http.odoo_users names clients without a token: {unknown_clients}"
            )
        for where, user in self._odoo_users():
            unknown = sorted(set(user.api_keys) - set(self.instances))
            if unknown:
                raise ValueError(f"{where}.api_keys names unknown instances {unknown}")
            rpc = sorted(
                n for n in user.api_keys if self.instances[n].protocol == "odoorpc"
            )
            if rpc:
                raise ValueError(
                    f"{where}.api_keys names odoorpc instances {rpc}: a caller's "
                    "own Odoo user needs JSON-2 (Odoo 19+)"
                )
        for name, instance in self.instances.items():
            missing = instance.missing_for_protocol()
            if missing:
                raise ValueError(
                    f"instance {name!r} needs {missing} for protocol "
                    f"{instance.protocol} (set {instance_setting(name, missing)})"
                )
        return self

    def _odoo_users(self) -> list[tuple[str, OdooUser]]:
        """Every configured Odoo user, with where it is configured."""
        found = [(f"http.odoo_users.{n}", u) for n, u in self.http.odoo_users.items()]
        if self.oauth is not None:
            found.extend((f"oauth.users.{n}", u) for n, u in self.oauth.users.items())
        return found

    def default_instance(self, *, write: bool) -> str:
        """The configured default instance for reads or for writes; only
        `bridge.instances` chooses with it."""
        chosen = self.write_instance if write else self.read_instance
        if chosen is not None:
            return chosen
        if write:
            writable = [n for n, i in self.instances.items() if not i.read_only]
            if writable:
                return writable[0]
        if self.instances:
            return next(iter(self.instances))
        raise ConfigError("no Odoo instance is configured (MCP_ODOO_INSTANCES)")

    def page_size(self, limit: int | None) -> int:
        """The rows of a page: the caller's `limit` within the configured bounds."""
        if limit is None:
            return self.default_page_size
        return max(1, min(limit, self.max_page_size))

    def secrets(self) -> list[str]:
        """Every configured secret value, for scrubbing text before it leaves."""
        values = [t.get_secret_value() for t in self.http.tokens.values()]
        for inst in self.instances.values():
            values.extend(
                s.get_secret_value()
                for s in (inst.api_key, inst.password)
                if s is not None
            )
        for _, user in self._odoo_users():
            values.extend(k.get_secret_value() for k in user.api_keys.values())
        if self.audit.s3 is not None and self.audit.s3.secret_access_key is not None:
            values.append(self.audit.s3.secret_access_key.get_secret_value())
        return [v for v in values if v]

    def check_serve(self) -> None:
        """Refuse configurations that would expose Odoo without authentication,
        or serve quotation routes that cannot work."""
        if not self.http.is_loopback and not self.http.tokens and not self.oauth:
            raise ConfigError(
                f"refusing to listen on {self.http.host} without bearer tokens: "
                "set MCP_ODOO_HTTP__TOKENS or MCP_ODOO_OAUTH"
            )
        name = self.default_instance(write=True)
        if self.instances[name].api_key is None:
            raise ConfigError(
                f"instance {name!r} holds the quotations but has no API key: the "
                "quotation routes call the mcp_quotation addon, which only takes "
                f"Odoo API keys (set MCP_ODOO_INSTANCES__{name}__API_KEY)"
            )


class _ConfigFileLocation(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore"
    )

    config_file: Path | None = None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
