"""Keep what owners said before structured openness: a claimed record marked open to
collaborate gets an Openness that is open (every kind, every topic, no limit).

Copy each legacy one-way invitation (claims.CollaborationInvite) into a request, so the
owner finds it in the new inbox: kind "other", no topics, waiting for an answer, unread. An
invitation whose record has no owner any more, or that repeats an open one, is left as it was.
"""

from django.db import migrations


def keep_open_records_open(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Openness = apps.get_model("collab", "Openness")
    owned = Claim.objects.filter(state="approved", researcher__open_to_collaborate=True)
    for researcher_id in owned.values_list("researcher_id", flat=True):
        Openness.objects.get_or_create(researcher_id=researcher_id, defaults={"is_open": True})


def copy_invitations(apps, schema_editor):
    Invite = apps.get_model("claims", "CollaborationInvite")
    Claim = apps.get_model("claims", "Claim")
    CollabRequest = apps.get_model("collab", "CollabRequest")
    owners = dict(Claim.objects.filter(state="approved").values_list("researcher_id", "user_id"))
    seen = set()
    for invite in Invite.objects.order_by("-created_at", "-pk").iterator():
        owner_id = owners.get(invite.researcher_id)
        pair = (invite.sender_id, invite.researcher_id)
        if owner_id is None or owner_id == invite.sender_id or pair in seen:
            continue
        seen.add(pair)
        request = CollabRequest.objects.create(
            researcher_id=invite.researcher_id,
            owner_id=owner_id,
            sender_id=invite.sender_id,
            kind="other",
            message=invite.message,
            state="pending",
            last_activity_at=invite.created_at,
            sender_read_at=invite.created_at,
        )
        CollabRequest.objects.filter(pk=request.pk).update(created_at=invite.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("collab", "0001_initial"),
        ("claims", "0003_collaborationinvite"),
    ]

    operations = [
        migrations.RunPython(keep_open_records_open, migrations.RunPython.noop),
        migrations.RunPython(copy_invitations, migrations.RunPython.noop),
    ]
