"""The UI shell: layout, menu from permissions, error pages in Chinese, htmx partials."""

import pytest
from django.urls import reverse

from medspa.core import menu
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.req("PLT-10")
def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.req("PLT-10")
def test_home_is_chinese_with_layout_parts(logged_in, token_user):
    response = logged_in(token_user).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1' in html
    assert "首页" in html
    assert 'data-testid="branch-switcher"' in html
    assert 'data-testid="notifications"' in html
    assert 'data-testid="user-menu"' in html
    assert "退出登录" in html
    assert 'data-menu="api-tokens"' in html
    assert "/static/vendor/tabler/css/tabler.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_left_menu_hides_what_the_role_may_not_open(logged_in, user):
    html = logged_in(user).get("/").content.decode()
    assert 'data-menu="home"' in html
    assert 'data-menu="api-tokens"' not in html
    assert 'data-menu="api-docs"' in html


def test_menu_for_filters_by_permission(user, token_user):
    keys = lambda u: [i.key for g in menu.menu_for(u) for i in g.items]  # noqa: E731
    assert "api-tokens" not in keys(user)
    assert "api-tokens" in keys(token_user)
    assert menu.menu_for(None) == []


def test_menu_keeps_each_group_together(token_user, monkeypatch):
    monkeypatch.setattr(menu, "_registry", {})
    menu.register(menu.MenuItem(key="a", label="A", url_name="core:home", order=1, group="G1"))
    menu.register(menu.MenuItem(key="b", label="B", url_name="core:home", order=2, group="G2"))
    menu.register(menu.MenuItem(key="c", label="C", url_name="core:home", order=3, group="G1"))
    menu.register(menu.MenuItem(key="d", label="D", url_name="core:home", order=0))
    menu.register(
        menu.MenuItem(
            key="e", label="E", url_name="core:home", order=4, permissions=("accounts.no_such_perm",)
        )
    )
    groups = menu.menu_for(token_user)
    assert [(g.label, [i.key for i in g.items]) for g in groups] == [
        (None, ["d"]),
        ("G1", ["a", "c"]),
        ("G2", ["b"]),
    ]


def test_home_query_count(logged_in, token_user, django_assert_num_queries):
    client = logged_in(token_user)
    client.get("/")  # warm the permission cache path once
    # session, user, user permissions, group permissions, groups, branches
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200


def test_branch_switcher_changes_the_active_branch(logged_in, branch, other_branch):
    user = UserFactory(branches=[branch, other_branch])
    client = logged_in(user)
    assert "总院" in client.get("/").content.decode()
    response = client.post(reverse("accounts:switch_branch"), {"branch": other_branch.pk, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["active_branch_id"] == other_branch.pk
    assert "当前院区：东区门店" not in client.get("/").content.decode()
    assert "<span>东区门店</span>" in client.get("/").content.decode()


def test_branch_switcher_refuses_a_branch_the_user_is_not_in(logged_in, user, other_branch):
    client = logged_in(user)
    response = client.post(reverse("accounts:switch_branch"), {"branch": other_branch.pk}, follow=True)
    assert "active_branch_id" not in client.session
    assert "您不在该院区工作。" in response.content.decode()


def test_branch_switch_does_not_redirect_off_site(logged_in, branch, other_branch):
    user = UserFactory(branches=[branch, other_branch])
    response = logged_in(user).post(
        reverse("accounts:switch_branch"), {"branch": other_branch.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.req("PLT-10")
def test_404_page_in_chinese(logged_in, user):
    response = logged_in(user).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.req("PLT-10")
def test_403_page_in_chinese(logged_in, user):
    response = logged_in(user).get(reverse("accounts:token_list"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.req("PLT-10")
def test_500_page_in_chinese(rf):
    from medspa.core.views.pages import server_error

    response = server_error(rf.get("/boom/"))
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()


def test_htmx_request_gets_only_the_results_fragment(logged_in, token_user):
    client = logged_in(token_user)
    url = reverse("accounts:token_list")
    full = client.get(url).content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" in full and 'data-testid="object-table"' in full
    assert "<html" not in fragment and 'data-testid="object-table"' in fragment
    boosted = client.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"}).content.decode()
    assert "<html" in boosted


def test_static_vendor_libraries_are_served(client):
    for path in (
        "/static/vendor/tabler/css/tabler.min.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/alpinejs/cdn.min.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/vendor/event-calendar/event-calendar.min.js",
        "/static/vendor/signature_pad/signature_pad.umd.min.js",
        "/static/vendor/tom-select/js/tom-select.complete.min.js",
        "/static/vendor/flatpickr/flatpickr.min.js",
        "/static/medspa/app.css",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 300, path


@pytest.mark.req("SEC-07")
def test_migration_and_roles_module_agree_on_every_builtin_role():
    """Migration 0004 plus the later apps' grants (frozen) and roles.BUILTIN_ROLES (used by the
    seed) must not drift apart, and a fresh database holds exactly those defaults."""
    import importlib

    from django.contrib.auth.models import Group

    from medspa.accounts.roles import BUILTIN_ROLES

    frozen = importlib.import_module("medspa.accounts.migrations.0004_builtin_role_defaults").ROLES
    later = [
        importlib.import_module("medspa.customers.migrations.0002_role_defaults").GRANTS,
        importlib.import_module("medspa.inventory.migrations.0002_role_defaults").GRANTS,
        importlib.import_module("medspa.catalog.migrations.0002_role_defaults").GRANTS,
    ]
    assert [(k, n, s, d, set(p).union(*(g.get(k, ()) for g in later))) for k, n, s, d, p in frozen] == [
        (r.key, r.name, int(r.data_scope), r.description, set(r.permissions)) for r in BUILTIN_ROLES
    ]
    for role in BUILTIN_ROLES:
        group = Group.objects.get(name=role.name)
        perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert perms == set(role.permissions), role.name
        assert (group.profile.builtin_key, group.profile.data_scope) == (role.key, role.data_scope)
