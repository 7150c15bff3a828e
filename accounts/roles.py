"""The three users of the original system, as Django users in three groups.

- admin: a superuser, may do everything, including live trading and schedule edits.
- test (group "operators"): may run workflows and trade on paper accounts, never live.
- guest (group "viewers"): may look at everything, change nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

# Apps whose data every role may view.
VIEWABLE_APPS = ("market", "brokers", "trading", "modelling", "workflows", "django_celery_beat")
OPERATOR_PERMISSIONS = ("workflows.run_workflow", "trading.trade_paper")


@dataclass(frozen=True)
class Role:
    username: str
    group: str | None
    superuser: bool
    extra_permissions: tuple[str, ...] = ()


ROLES = (
    Role("admin", None, superuser=True),
    Role("test", "operators", superuser=False, extra_permissions=OPERATOR_PERMISSIONS),
    Role("guest", "viewers", superuser=False),
)


def _permissions(codes: tuple[str, ...]) -> list[Permission]:
    found = []
    for code in codes:
        app_label, codename = code.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def ensure_groups() -> None:
    """Create the groups and (re)set their permissions; safe to run any number of times."""
    view = list(Permission.objects.filter(content_type__app_label__in=VIEWABLE_APPS, codename__startswith="view_"))
    for role in ROLES:
        if role.group is None:
            continue
        group, _ = Group.objects.get_or_create(name=role.group)
        group.permissions.set(view + _permissions(role.extra_permissions))


@transaction.atomic
def ensure_users(passwords: dict[str, str | None]) -> dict[str, str]:
    """Create missing users; returns the generated passwords of the users created without one."""
    ensure_groups()
    User = get_user_model()
    generated: dict[str, str] = {}
    for role in ROLES:
        user = User.objects.filter(username=role.username).first()
        if user is None:
            password = passwords.get(role.username)
            if not password:
                password = generated[role.username] = secrets.token_urlsafe(12)
            user = User(username=role.username)
            user.set_password(password)
        # Staff status lets test and guest use the admin within their permissions.
        user.is_staff = True
        user.is_superuser = role.superuser
        user.save()
        if role.group:
            user.groups.set([Group.objects.get(name=role.group)])
    return generated
