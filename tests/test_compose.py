"""The compose stack's images: each pinned to a version, none from a dead source.

No Docker engine runs in CI, so `docker compose config` (scripts/test) never
pulls an image; this reads what would be pulled, from docker-compose.yml and
the Dockerfiles its services build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"

# Repositories that no longer serve maintained images, and why.
GONE = {
    "minio/minio": "deleted from Docker Hub in September 2026",
    "minio/mc": "deleted from Docker Hub in September 2026",
    "quay.io/minio/minio": "frozen snapshots without security fixes since 2025-10",
    "quay.io/minio/mc": "frozen snapshots without security fixes since 2025-10",
}

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, $NAME
VARIABLE = re.compile(
    r"\$(?:\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bare>\w+))"
)
# A tag that names a version: 16, 19.0, 3.11-slim-trixie, v2.3.0.
VERSION_TAG = re.compile(r"v?\d")


def resolve(text: str, values: dict[str, str | None]) -> str | None:
    """The text with each variable replaced by its value, else its default.

    None when a variable has neither: what would be pulled then depends on
    whoever runs it.
    """
    unresolved = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unresolved
        name = match["name"] or match["bare"]
        value = values.get(name)
        if value is None and match["op"] in ("-", ":-"):
            value = match["arg"]
        if value is None:
            unresolved = True
            return ""
        return value

    resolved = VARIABLE.sub(replace, text)
    return None if unresolved else resolved


def image_problem(image: str | None) -> str | None:
    """Why this image reference must not be pulled, or None when it is fine."""
    if image is None:
        return "depends on a variable without a pinned default"
    name, _, digest = image.partition("@")
    if digest:
        return None
    repository, _, tag = name.rpartition(":")
    if "/" in tag or not repository:
        repository, tag = name, ""
    repository = repository.removeprefix("docker.io/").removeprefix("library/")
    if repository in GONE:
        return f"{repository}: {GONE[repository]}"
    if not tag:
        return "has no tag (Docker then pulls `latest`)"
    if not VERSION_TAG.match(tag):
        return f"tag {tag!r} is not a version"
    return None


def dockerfile_images(
    path: Path, build_args: dict[str, str | None]
) -> list[tuple[str, str | None]]:
    """Each FROM line of a Dockerfile and what it pulls, with its ARG defaults."""
    values: dict[str, str | None] = {}
    stages: set[str] = set()
    images = []
    for line in path.read_text().splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].upper() == "ARG":
            name, _, default = words[1].partition("=")
            values[name] = build_args.get(name, default or None)
        elif len(words) >= 2 and words[0].upper() == "FROM":
            if len(words) >= 4 and words[2].upper() == "AS":
                stages.add(words[3])
            if words[1] not in stages and words[1] != "scratch":
                images.append(
                    (f"{path.name}: FROM {words[1]}", resolve(words[1], values))
                )
    return images


def stack_images() -> dict[str, str | None]:
    """Every image the compose stack would pull, by where it is named."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    built = {s["image"] for s in services.values() if "build" in s and "image" in s}
    images: dict[str, str | None] = {}
    for name, service in services.items():
        build = service.get("build")
        if build is not None:
            # A built service's `image` only names the result; its bases are pulled.
            args = {k: resolve(str(v), {}) for k, v in build.get("args", {}).items()}
            dockerfile = REPO / build.get("context", ".") / build["dockerfile"]
            for where, image in dockerfile_images(dockerfile, args):
                images[f"service {name}, {where}"] = image
        elif service["image"] not in built:
            images[f"service {name}: {service['image']}"] = resolve(
                service["image"], {}
            )
    return images


def test_every_image_the_stack_pulls_is_pinned_and_maintained():
    """No image of the compose stack is unpinned or from a repository gone."""
    problems = [
        f"{where}: {problem}"
        for where, image in stack_images().items()
        if (problem := image_problem(image))
    ]
    assert not problems, "\n".join(problems)


def test_the_pin_check_reads_every_image_of_the_stack():
    """The images checked above include each service's and each Dockerfile's."""
    repositories = {
        image.rpartition(":")[0] for image in stack_images().values() if image
    }
    assert repositories == {"postgres", "odoo", "python", "dxflrs/garage", "haproxy"}


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("minio/minio:latest", "minio/minio: deleted from Docker Hub"),
        ("minio/mc:RELEASE.2025-08-13T08-35-41Z", "minio/mc: deleted"),
        ("docker.io/minio/minio:RELEASE.2025-09-07", "minio/minio: deleted"),
        ("quay.io/minio/minio:RELEASE.2025-09-07", "quay.io/minio/minio: frozen"),
        ("postgres", "has no tag"),
        ("postgres:latest", "tag 'latest' is not a version"),
        ("localhost:5000/postgres", "has no tag"),
        (None, "depends on a variable"),
    ],
)
def test_image_problem_names_what_is_wrong(image, problem):
    """Unpinned images and images from gone repositories are refused."""
    assert (image_problem(image) or "").startswith(problem)


@pytest.mark.parametrize(
    "image",
    [
        "postgres:16",
        "odoo:19.0",
        "python:3.11-slim-trixie",
        "dxflrs/garage:v2.3.0",
        "localhost:5000/postgres:16.4",
        "postgres@sha256:" + "0" * 64,
    ],
)
def test_image_problem_accepts_pinned_images(image):
    """An image with a version tag or a digest is pinned."""
    assert image_problem(image) is None


@pytest.mark.parametrize(
    ("text", "values", "resolved"),
    [
        ("odoo:${ODOO_VERSION:-19.0}", {}, "odoo:19.0"),
        ("odoo:${ODOO_VERSION-19.0}", {}, "odoo:19.0"),
        ("odoo:${ODOO_VERSION}", {"ODOO_VERSION": "18.0"}, "odoo:18.0"),
        ("odoo:${ODOO_VERSION}", {}, None),
        ("odoo:$ODOO_VERSION", {}, None),
        ("odoo:${ODOO_VERSION:?set it}", {}, None),
    ],
)
def test_resolve_takes_a_value_or_a_default_never_a_guess(text, values, resolved):
    """A variable without a value or a default leaves the image unresolved."""
    assert resolve(text, values) == resolved


def haproxy_sections(path: Path) -> dict[str, list[list[str]]]:
    """Each section of an HAProxy configuration (``frontend odoo``, ...) and
    its lines, split into words, comments left out."""
    sections: dict[str, list[list[str]]] = {}
    lines: list[list[str]] = []
    for line in path.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if line[0].isspace():
            lines.append(words)
        else:
            lines = sections.setdefault(" ".join(words), [])
    return sections


def command_options(service: dict) -> dict[str, str]:
    """A service's ``--name=value`` command options."""
    options = (word.partition("=") for word in service.get("command", []))
    return {name: value for name, sep, value in options if sep}


def test_odoo_ui_reaches_its_workers_and_its_bus_through_one_port():
    """The port published for Odoo sends /websocket to Odoo's gevent process
    and the rest to its HTTP workers: in prefork the workers cannot hold the
    UI's bus, which keeps a request's form and its chatter live."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    odoo = command_options(services["odoo"])
    assert int(resolve(odoo["--workers"], {}) or 0) > 0, "Odoo runs prefork"
    assert "ports" not in services["odoo"], "nothing reaches Odoo past its proxy"

    proxy = services["odoo-proxy"]
    assert proxy["image"].startswith("haproxy:")
    assert proxy["ports"] == ["${BIND_ADDRESS:-127.0.0.1}:8069:8069"]
    [config] = [
        REPO / volume.split(":")[0]
        for volume in proxy["volumes"]
        if volume.endswith(":/usr/local/etc/haproxy/haproxy.cfg:ro")
    ]
    sections = haproxy_sections(config)
    frontend = sections["frontend odoo"]
    assert ["bind", ":8069"] in frontend

    def server_of(backend: str) -> str:
        [server] = [
            line for line in sections[f"backend {backend}"] if line[0] == "server"
        ]
        return server[2]

    [bus] = [
        line[1]
        for line in frontend
        if line[0] == "use_backend"
        and line[2:] == ["if", "{", "path", "/websocket", "}"]
    ]
    [workers] = [line[1] for line in frontend if line[0] == "default_backend"]
    assert server_of(bus) == f"odoo:{odoo['--gevent-port']}"
    assert server_of(workers) == f"odoo:{odoo.get('--http-port', '8069')}"
