from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings
from django.urls import reverse

from brokers import crypto
from brokers.models import BrokerAccount
from brokers.tests.factories import BrokerAccountFactory

pytestmark = pytest.mark.django_db

SECRET = {"key_id": "PKTEST123", "secret_key": "s3cr3t-never-shown"}


def test_credentials_are_stored_encrypted_and_read_back():
    account = BrokerAccountFactory()
    account.set_credentials(SECRET)
    account.save()
    stored = BrokerAccount.objects.values_list("credentials_encrypted", flat=True).get(pk=account.pk)
    assert "s3cr3t" not in stored and "PKTEST" not in stored
    assert BrokerAccount.objects.get(pk=account.pk).get_credentials() == SECRET


def test_a_rotated_key_still_decrypts_and_rotation_moves_to_the_new_key(settings):
    account = BrokerAccountFactory()
    account.set_credentials(SECRET)
    old_key = settings.CREDENTIALS_KEYS[0]
    new_key = Fernet.generate_key().decode()
    with override_settings(CREDENTIALS_KEYS=[new_key, old_key]):
        assert account.get_credentials() == SECRET
        rotated = crypto.rotate(account.credentials_encrypted)
    with override_settings(CREDENTIALS_KEYS=[new_key]):
        assert crypto.decrypt(rotated) == SECRET


def test_credentials_under_an_unknown_key_fail_with_a_clear_error():
    account = BrokerAccountFactory()
    account.set_credentials(SECRET)
    with override_settings(CREDENTIALS_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(crypto.CredentialsError, match="CREDENTIALS_KEY"):
            account.get_credentials()


def test_the_admin_never_shows_credentials_in_clear(client, admin_user):
    account = BrokerAccountFactory()
    account.set_credentials(SECRET)
    account.save()
    client.force_login(admin_user)
    page = client.get(reverse("admin:brokers_brokeraccount_change", args=[account.pk])).content.decode()
    assert "s3cr3t-never-shown" not in page and account.credentials_encrypted not in page
    assert "set (encrypted, not shown)" in page


def test_the_admin_saves_new_credentials_and_rejects_bad_json_without_echoing_it(client, admin_user):
    account = BrokerAccountFactory()
    client.force_login(admin_user)
    url = reverse("admin:brokers_brokeraccount_change", args=[account.pk])
    form = {"name": account.name, "adapter": "paper", "mode": "paper", "currency": "CNY", "is_active": "on"}
    bad = client.post(url, {**form, "new_credentials": '{"secret_key": "leak-me'})
    assert bad.status_code == 200
    assert "not valid JSON" in bad.content.decode() and "leak-me" not in bad.content.decode()
    assert not BrokerAccount.objects.get(pk=account.pk).has_credentials

    client.post(url, {**form, "new_credentials": '{"secret_key": "abc"}'})
    assert BrokerAccount.objects.get(pk=account.pk).get_credentials() == {"secret_key": "abc"}
    client.post(url, {**form, "new_credentials": ""})  # empty keeps what is stored
    assert BrokerAccount.objects.get(pk=account.pk).get_credentials() == {"secret_key": "abc"}


def test_only_an_admin_may_switch_an_account_to_live(client, role_users):
    account = BrokerAccountFactory()
    client.force_login(role_users["test"])
    url = reverse("admin:brokers_brokeraccount_change", args=[account.pk])
    response = client.post(url, {"name": account.name, "adapter": "paper", "mode": "live", "currency": "CNY"})
    assert response.status_code == 403
    assert BrokerAccount.objects.get(pk=account.pk).mode == BrokerAccount.Mode.PAPER


def test_the_rotation_command_moves_every_account_to_the_new_key(settings):
    from io import StringIO

    from django.core.management import call_command

    old_key = settings.CREDENTIALS_KEYS[0]
    first, second = BrokerAccountFactory(), BrokerAccountFactory()
    for account in (first, second):
        account.set_credentials(SECRET)
        account.save()
    new_key = Fernet.generate_key().decode()
    with override_settings(CREDENTIALS_KEYS=[new_key, old_key]):
        call_command("rotate_credentials", stdout=StringIO())
    with override_settings(CREDENTIALS_KEYS=[new_key]):
        assert all(a.get_credentials() == SECRET for a in BrokerAccount.objects.all())


def test_the_rotation_command_changes_nothing_when_a_key_is_missing(settings):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    account = BrokerAccountFactory()
    account.set_credentials(SECRET)
    account.save()
    before = account.credentials_encrypted
    with override_settings(CREDENTIALS_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(CommandError, match="nothing was changed"):
            call_command("rotate_credentials", stdout=StringIO())
    assert BrokerAccount.objects.get(pk=account.pk).credentials_encrypted == before


def test_a_user_who_may_edit_accounts_still_cannot_switch_one_to_live(client, django_user_model):
    from django.contrib.auth.models import Permission

    editor = django_user_model.objects.create_user("editor", "e@example.com", "editor-password", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["change_brokeraccount", "view_brokeraccount"]))
    account = BrokerAccountFactory()
    client.force_login(editor)
    url = reverse("admin:brokers_brokeraccount_change", args=[account.pk])
    response = client.post(url, {"name": account.name, "adapter": "paper", "mode": "live", "currency": "USD",
                                 "is_active": "on"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.currency == "USD" and account.mode == BrokerAccount.Mode.PAPER  # mode is read-only for them
