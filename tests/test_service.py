"""OdooService behaviour that the tool tests do not reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_odoo import ADMIN_KEY, DATABASE, FakeOdoo, free_port, serve_app

from bridge.config import Settings
from bridge.errors import InvalidArguments, OdooUnreachable
from bridge.params import Fetch, ListUsers, Search, SearchProducts, UpdateTask
from bridge.service import OdooService


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def settings_for(*urls: str, tmp_path: Path) -> Settings:
    return Settings(
        instances={
            f"odoo{n}": {"url": url, "database": DATABASE, "api_key": ADMIN_KEY}
            for n, url in enumerate(urls)
        },
        audit={"directory": tmp_path / "audit"},
    )


@pytest.mark.anyio
async def test_search_skips_models_whose_module_is_not_installed(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    fake_odoo.missing_models = {"project.project", "project.task"}
    async with OdooService(settings_for(fake_odoo.url, tmp_path=tmp_path)) as service:
        found = await service.search(Search(query="a"))
    models = {r.id.partition(":")[0] for r in found.results}
    assert "project.task" not in models and "project.project" not in models
    assert {"res.partner", "product.product", "sale.order"} <= models


@pytest.mark.anyio
async def test_readiness_reports_each_instance_its_version_and_failures(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = settings_for(fake_odoo.url, dead, tmp_path=tmp_path)
    async with OdooService(settings) as service:
        report = await service.readiness()
    assert report["odoo0"] == {
        "ok": True,
        "version": "19.0",
        "protocol": "json2",
        "read_only": False,
    }
    assert report["odoo1"]["ok"] is False
    assert "unreachable" in report["odoo1"]["error"]


@pytest.mark.anyio
async def test_page_sizes_are_kept_between_one_and_the_cap(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    async with OdooService(settings_for(fake_odoo.url, tmp_path=tmp_path)) as service:
        big = await service.search_products(SearchProducts(query="Widget", limit=1000))
        # Past the model's own bounds: the service keeps its page sizes anyway.
        tiny = await service.search_products(
            SearchProducts.model_construct(query="Widget", limit=0, offset=-5)
        )
    assert (big.limit, len(big.items), big.has_more) == (100, 30, False)
    assert (tiny.limit, tiny.offset, len(tiny.items), tiny.next_offset) == (1, 0, 1, 1)


@pytest.mark.anyio
async def test_the_service_starts_while_odoo_is_down_and_connects_when_it_is_back(
    tmp_path: Path,
) -> None:
    port = free_port()
    settings = settings_for(f"http://127.0.0.1:{port}", tmp_path=tmp_path)
    async with OdooService(settings) as service:
        with pytest.raises(OdooUnreachable):
            await service.list_users(ListUsers())
        with serve_app(FakeOdoo().app(), port=port):
            users = await service.list_users(ListUsers())
    assert "admin" in {u.login for u in users.items}


@pytest.mark.anyio
async def test_the_bridges_own_refusals_are_bridge_errors_not_odoos(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    async with OdooService(settings_for(fake_odoo.url, tmp_path=tmp_path)) as service:
        with pytest.raises(InvalidArguments, match="Nothing to change"):
            await service.update_task(UpdateTask(task_id=60))
        with pytest.raises(InvalidArguments, match="Unknown document id"):
            await service.fetch(Fetch(id="res.partner"))
    assert fake_odoo.requests == []
