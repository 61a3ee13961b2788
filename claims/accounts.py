"""allauth's adapter: account e-mails name the site and leave through the Celery mail task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

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


class AccountAdapter(DefaultAccountAdapter):
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
