from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from accounts.roles import ensure_users

pytestmark = pytest.mark.django_db


def test_the_three_users_are_created_with_generated_passwords_printed_once(capsys, settings):
    settings.INITIAL_PASSWORDS = {"admin": None, "test": None, "guest": None}
    call_command("ensure_users")
    first = capsys.readouterr().out
    assert first.count("created user") == 3
    password = first.split("created user 'admin' with password: ")[1].split()[0]
    assert authenticate(username="admin", password=password) is not None

    call_command("ensure_users")
    second = capsys.readouterr().out
    assert "created user" not in second and password not in second
    assert authenticate(username="admin", password=password) is not None  # not reset on the next run


def test_passwords_from_the_environment_are_used():
    given = {"admin": "from-env-admin", "test": "from-env-test", "guest": "from-env-guest"}
    assert ensure_users(given) == {}
    assert authenticate(username="guest", password=given["guest"]) is not None


def test_each_role_has_what_it_needs_and_no_more(role_users):
    admin, test, guest = role_users["admin"], role_users["test"], role_users["guest"]
    assert admin.is_superuser and admin.has_perm("trading.trade_live")

    assert test.has_perm("workflows.run_workflow") and test.has_perm("trading.trade_paper")
    assert not test.has_perm("trading.trade_live") and not test.has_perm("brokers.switch_to_live")
    assert test.has_perm("market.view_stock") and not test.has_perm("market.change_stock")

    assert guest.has_perm("trading.view_order") and guest.has_perm("workflows.view_workflowrun")
    assert not guest.has_perm("workflows.run_workflow") and not guest.has_perm("trading.trade_paper")
    assert not any(perm.split(".")[1].startswith(("add_", "change_", "delete_")) for perm in guest.get_all_permissions())


def test_running_it_again_repairs_a_role_without_touching_other_users():
    ensure_users({"admin": "a-long-password", "test": "t-long-password", "guest": "g-long-password"})
    User = get_user_model()
    User.objects.filter(username="guest").update(is_superuser=True)
    other = User.objects.create_user("alice", "alice@example.com", "alice-password")
    ensure_users({})
    assert not User.objects.get(username="guest").is_superuser
    assert User.objects.get(pk=other.pk).groups.count() == 0
