from django.db import migrations

TEMPLATES = [
    ("approve", "Evidence sufficient", "The evidence you gave shows that this record is yours."),
    (
        "reject",
        "Evidence insufficient",
        "We could not confirm that this record is yours from the evidence given. Sign in with "
        "ORCID or verify an e-mail address at your institution, then claim again.",
    ),
    (
        "reject",
        "Different person",
        "The works on this record belong to a different person with a similar name.",
    ),
    (
        "reject",
        "Duplicate claim",
        "Another claim on this record was approved; if you think this is wrong, write to us.",
    ),
    (
        "revoke",
        "Ownership disputed",
        "Ownership of this record was disputed and the evidence no longer supports it.",
    ),
    ("flag", "Confirmed not theirs", "The work's author list shows a different person."),
    ("flag", "Work is theirs", "The work's author list and affiliation match this record."),
]


def add(apps, schema_editor):
    ReasonTemplate = apps.get_model("claims", "ReasonTemplate")
    for kind, title, body in TEMPLATES:
        ReasonTemplate.objects.get_or_create(kind=kind, title=title, defaults={"body": body})


def remove(apps, schema_editor):
    ReasonTemplate = apps.get_model("claims", "ReasonTemplate")
    for kind, title, _ in TEMPLATES:
        ReasonTemplate.objects.filter(kind=kind, title=title).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
