"""The addon as OCA ships addons: a wheel built by whool, installed with pip
into Odoo's environment, found by Odoo with no addons path."""

from __future__ import annotations

import ast
import io
import json
import re
import secrets
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from conftest import REPO_ROOT, odoo_command, odoo_db_options, odoo_shell
from docutils.core import publish_string

ADDON_DIR = REPO_ROOT / "odoo_addons" / "mcp_quotation"
MANIFEST = ast.literal_eval((ADDON_DIR / "__manifest__.py").read_text())
IN_WHEEL = "odoo/addons/mcp_quotation/"

# Where Odoo's interpreter finds its libraries: its site directories and the
# directory holding the `odoo` package (a source tree is not pip-installed).
ODOO_ENVIRONMENT = """
import json, site, sys
from pathlib import Path
import odoo
print("ODOO_ENVIRONMENT=" + json.dumps({
    "python": sys.executable,
    "site": site.getsitepackages(),
    "roots": [str(Path(path).parent) for path in odoo.__path__],
}))
"""

MODULE_STATE = "SELECT state FROM ir_module_module WHERE name = 'mcp_quotation'"
# Where the addon Odoo installed comes from: the directories of the package
# `odoo.addons.mcp_quotation`, as Odoo's import finds them.
ADDON_LOCATIONS = """
import importlib.util
print(*importlib.util.find_spec("odoo.addons.mcp_quotation").submodule_search_locations)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The addon's wheel, built as its README says (whool, no build isolation)."""
    directory = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        + ["--no-build-isolation", "--wheel-dir", str(directory), str(ADDON_DIR)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = directory.glob("*.whl")
    return built


def test_the_wheel_is_named_versioned_and_filled_as_oca_addons_are(
    wheel: Path,
) -> None:
    """The wheel is odoo-addon-mcp_quotation at the manifest's version (plus
    the commits since it changed), needs Odoo 19.0 and holds the addon's files
    under odoo/addons, the Apps page's images included."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = (name for name in names if name.endswith("/METADATA"))
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode())
    assert metadata["Name"] == "odoo-addon-mcp_quotation"
    assert re.fullmatch(
        re.escape(MANIFEST["version"]) + r"(\.\d+)?", metadata["Version"]
    )
    assert (
        wheel.name == f"odoo_addon_mcp_quotation-{metadata['Version']}-py3-none-any.whl"
    )
    assert metadata.get_all("Requires-Dist") == ["odoo==19.0.*"]
    assert metadata["Summary"] == MANIFEST["summary"]
    expected = ["__manifest__.py", "__init__.py", "README.rst"]
    expected += ["static/description/icon.png", "static/description/index.html"]
    expected += MANIFEST["images"]
    assert {IN_WHEEL + path for path in expected} <= names
    # whool's build file is not part of the addon.
    assert IN_WHEEL + "pyproject.toml" not in names


def test_the_addon_readme_renders_without_a_docutils_warning() -> None:
    """README.rst, the wheel's description, renders without a warning (docutils
    halts on the first one): PyPI shows a description that does not render as
    plain text."""
    warnings = io.StringIO()
    publish_string(
        (ADDON_DIR / "README.rst").read_text(),
        writer="html",
        settings_overrides={"halt_level": 2, "warning_stream": warnings},
    )
    assert warnings.getvalue() == ""


@pytest.mark.odoo
def test_odoo_installs_the_addon_from_the_wheel_without_an_addons_path(
    wheel: Path, tmp_path: Path
) -> None:
    """pip installs the wheel into a throwaway copy of Odoo's environment, and
    Odoo installs mcp_quotation from there into a fresh database."""
    command = odoo_command()
    if command is None:
        pytest.skip(
            "no Odoo 19 installation found (set ODOO_BIN or put `odoo` on PATH)"
        )
    printed = odoo_shell(command, [], ODOO_ENVIRONMENT).stdout
    (line,) = (x for x in printed.splitlines() if x.startswith("ODOO_ENVIRONMENT="))
    odoo_environment = json.loads(line.removeprefix("ODOO_ENVIRONMENT="))

    # A virtualenv of Odoo's interpreter that sees Odoo's libraries and Odoo
    # itself through a .pth file, so that the wheel lands in a site-packages
    # of its own, beside them and not in the shared installation.
    venv = tmp_path / "venv"
    subprocess.run(
        [odoo_environment["python"], "-m", "venv", "--without-pip", str(venv)],
        check=True,
    )
    python = str(venv / "bin" / "python")
    site_packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site_packages / "odoo-environment.pth").write_text(
        "".join(
            f"import site; site.addsitedir({path!r})\n"
            for path in odoo_environment["site"]
        )
        + "".join(f"{root}\n" for root in odoo_environment["roots"])
    )
    # The wheel requires the distribution `odoo==19.0.*`; an Odoo run from its
    # source tree is not one that pip knows, hence --no-deps.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
        + ["--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )

    db = f"mcp_wheel_{secrets.token_hex(4)}"
    # No --addons-path: Odoo finds the addon in the `odoo.addons` namespace.
    options = [*odoo_db_options(), "-d", db, f"--data-dir={tmp_path / 'data'}"]
    odoo = [python, "-m", "odoo"]
    try:
        init = subprocess.run(
            [*odoo, *options, "-i", "mcp_quotation", "--stop-after-init", "--no-http"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=600,
        )
        assert init.returncode == 0, init.stderr[-3000:]
        state = subprocess.run(
            ["psql", "-d", db, "-Atc", MODULE_STATE],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    finally:
        subprocess.run(["dropdb", "--if-exists", db], check=False)
    assert state == "installed"
    where = subprocess.run(
        [python, "-c", ADDON_LOCATIONS],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.split()
    assert where == [str(site_packages / "odoo" / "addons" / "mcp_quotation")]
