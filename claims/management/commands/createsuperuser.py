"""`createsuperuser`, plus allauth's record that the account's e-mail address is verified.

The site requires a verified address before anyone logs in (ACCOUNT_EMAIL_VERIFICATION =
"mandatory"), so an account made with Django's own command was sent to "Verify your e-mail" on
its first log-in, waiting for a mail it may never get. Whoever runs this command at the
server's console is trusted with the whole database already; the address they type is taken as
verified. Django's command does everything else (prompts, --noinput with DJANGO_SUPERUSER_*).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import createsuperuser
from django.db import transaction


class Command(createsuperuser.Command):
    help = createsuperuser.Command.help + " Its e-mail address counts as verified on the site."

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        manager = get_user_model()._default_manager.db_manager(database)
        last = manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        super().handle(*args, **options)
        for user in manager.filter(pk__gt=last, is_superuser=True):
            if not user.email:
                self.stderr.write(
                    f"{user.get_username()} has no e-mail address, so it can log in to the "
                    "admin only: the site asks for a verified address (add one in the admin)."
                )
                continue
            with transaction.atomic(using=database):
                EmailAddress.objects.using(database).filter(user=user, primary=True).update(
                    primary=False
                )
                EmailAddress.objects.using(database).update_or_create(
                    user=user, email=user.email, defaults={"verified": True, "primary": True}
                )
            if options["verbosity"] >= 1:
                self.stdout.write(f"{user.email} is verified: {user.get_username()} can log in.")
