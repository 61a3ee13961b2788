"""allauth's adapter: account e-mails name the site and leave through the Celery mail task."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest

from claims.services.mail import email_send_on_commit


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's mail templates read from `current_site`: the site's name and domain."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    """BZPEER_SITE_NAME and the host of BZPEER_SITE_URL, not the host a request came in on."""
    return SiteIdentity(
        name=settings.BZPEER_SITE_NAME, domain=urlsplit(settings.BZPEER_SITE_URL).netloc
    )


def login_account_key(credentials: dict[str, Any]) -> str:
    """Whose failed log-ins these are: the account the login names, or the login as typed.

    The key holds a digest of the account's password hash, so a new password (a password
    reset, or a moderator setting one) starts every count about the account afresh; the
    username and each address of one account share their counts.
    """
    login = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
    users = get_user_model().objects.all()
    if "email" in credentials:
        user_ids = EmailAddress.objects.filter(email__iexact=login).values("user_id")
        user = users.filter(pk__in=user_ids).first() or users.filter(email__iexact=login).first()
    else:
        user = users.filter(username__iexact=login).first()
    if user is None:
        return f"login:{login}"
    digest = hashlib.sha256(user.password.encode()).hexdigest()[:16]
    return f"account:{user.pk}:{digest}"


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Count a log-in attempt against (account, client address), and the account as a whole.

        allauth counts failures per login as typed (`5/300s/key`), so anyone could lock an
        account for everyone with five wrong passwords. Here the per-key limit of
        ACCOUNT_RATE_LIMITS["login_failed"] is per account *and* client address (with its
        per-address limit unchanged), and BZPEER_LOGIN_FAILED_PER_ACCOUNT is a ceiling for the
        account from all addresses together, high enough not to be a lock-out tool. A
        successful log-in rolls back its own attempt (allauth's `authenticate`); a new
        password starts afresh (`login_account_key`).
        """
        account = login_account_key(credentials)
        client = ratelimit.get_ip(request)
        usages = [
            ratelimit.consume(
                request, app="allauth.account", action="login_failed", key=f"{account}|{client}"
            ),
            ratelimit.consume(
                request,
                app="allauth.account",
                action="login_failed_account",
                config={"login_failed_account": settings.BZPEER_LOGIN_FAILED_PER_ACCOUNT},
                key=account,
            ),
        ]
        allowed = [usage for usage in usages if usage is not None]
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(
            usage=[single for usage in allowed for single in usage.usage]
        )
        if len(allowed) < len(usages):
            self._login_failed_rl_usage.rollback()
            raise self.validation_error("too_many_login_attempts")

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render as allauth does, then enqueue instead of sending inside the request."""
        request = allauth_context.request
        ctx = {"request": request, "email": email}
        ctx.update(context)
        # Without django.contrib.sites allauth names the site after the request's host
        # ("Hello from 127.0.0.1:8000!"), even where a caller passed its own current_site.
        ctx["current_site"] = site_identity()
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (str(content) for content, mime in message.alternatives if mime == "text/html"),
                "",
            )
        email_send_on_commit(
            to=list(message.to),
            subject=str(message.subject),
            body=str(message.body),
            html_body=html,
            from_email=str(message.from_email or ""),
        )


# django-axes stores the attempted username in a 255-character column
# (`AccessAttempt.username`); no account has a longer username or e-mail address.
AXES_USERNAME_WIDTH = 255


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username django-axes records for a failed log-in, cut to its column's width.

    A longer one (typed or scripted into the log-in form) would make the insert fail and the
    log-in page answer 500; no account can have it, so cutting it changes no lock-out.
    """
    given = (credentials or {}).get("username") or (credentials or {}).get("email")
    if given is None:
        given = request.POST.get("username") or request.POST.get("login")
    return str(given)[:AXES_USERNAME_WIDTH] if given else None


def axes_reset_on_password_reset(*, user: Any, **_: Any) -> None:
    """A password reset lifts django-axes' admin lock-out of the account (allauth's
    `password_reset` signal; allauth's own counts are lifted by `login_account_key`)."""
    names = {
        user.get_username(),
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    for name in names:
        axes_reset(username=name)
