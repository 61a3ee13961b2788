"""The e-mail digest: each recipient's unsent notices as one mail, with links back.

Notices are rows written with the change they announce, so a broker outage delays the mail
but loses nothing. A recipient's notices are taken under `FOR UPDATE SKIP LOCKED` (two
workers never mail the same notice), the mail is sent, then they are marked sent in the same
transaction: a failed mail rolls back and the notices wait for the next run. Notices about a
request the recipient has read since are marked sent without a mail (they saw it).
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from collab.models import CollabRequest, Notice

logger = logging.getLogger(__name__)

DIGEST_RECIPIENTS_PER_RUN = 200


def _seen(notice: Notice) -> bool:
    request = notice.request
    read_at = (
        request.owner_read_at if notice.recipient_id == request.owner_id else request.sender_read_at
    )
    return read_at is not None and read_at >= notice.created_at


def digest_send_one(*, recipient_id: int) -> int:
    """Mail one recipient their unsent notices; returns how many notices the mail carried."""
    with transaction.atomic():
        notices = list(
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recipient_id=recipient_id, sent_at__isnull=True)
            .select_related(
                "request__researcher",
                "request__sender",
                "request__owner",
                "request__sender_researcher",
            )
            .order_by("created_at", "pk")
        )
        if not notices:
            return 0
        fresh = [n for n in notices if not _seen(n)]
        recipient = get_user_model().objects.get(pk=recipient_id)
        if fresh and recipient.email:
            by_request: OrderedDict[int, tuple[CollabRequest, list[Notice]]] = OrderedDict()
            for notice in fresh:
                by_request.setdefault(notice.request_id, (notice.request, []))[1].append(notice)
            items = [
                {
                    "request": request,
                    "notices": grouped,
                    "url": settings.BZPEER_SITE_URL
                    + reverse("collab:request_detail", args=[request.public_id]),
                }
                for request, grouped in by_request.values()
            ]
            context = {
                "recipient": recipient,
                "items": items,
                "inbox_url": settings.BZPEER_SITE_URL + reverse("collab:inbox"),
                "site_name": settings.BZPEER_SITE_NAME,
            }
            send_mail(
                subject=f"[{settings.BZPEER_SITE_NAME}] "
                + " ".join(render_to_string("collab/email/digest_subject.txt", context).split()),
                message=render_to_string("collab/email/digest_body.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient.email],
            )
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(sent_at=timezone.now())
        return len(fresh)


def digest_send_all() -> int:
    """Mail every recipient with unsent notices (a bounded number per run); mails sent."""
    recipient_ids = list(
        Notice.objects.filter(sent_at__isnull=True)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:DIGEST_RECIPIENTS_PER_RUN]
    )
    sent = 0
    for recipient_id in recipient_ids:
        try:
            sent += bool(digest_send_one(recipient_id=recipient_id))
        except OSError:
            # SMTP down or refusing: this recipient's notices stay unsent for the next run.
            logger.warning("collab digest to user %s failed; kept for the next run", recipient_id)
    return sent
