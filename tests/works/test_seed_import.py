from __future__ import annotations

from django.core.management import call_command

from profiles.models import Researcher
from tests.conftest import SEED
from works.importers.seed import seed_profile_import
from works.models import Authorship, Work


def snapshot():
    return (
        list(Researcher.objects.values_list("slug", "display_name", "headline", "data_version")),
        list(
            Work.objects.order_by("pk").values_list("pk", "title", "abstract", "publication_year")
        ),
        Authorship.objects.count(),
    )


def test_importing_the_demo_twice_changes_nothing(db):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    seed = Researcher.objects.get(slug="jiashi-feng")
    assert seed.authorships.count() == 47
    # The real samples sit beside the seed: hundreds of researchers with co-authors.
    assert Researcher.objects.count() > 500
    assert Authorship.objects.exclude(researcher=seed).count() > first[2] // 2


def test_the_seed_researcher_is_at_its_url(db):
    result = seed_profile_import(path=SEED)
    assert result.researcher.slug == "jiashi-feng"
    assert result.created_works == 47
    assert seed_profile_import(path=SEED).created_works == 0


def test_the_seed_asks_the_worker_for_its_figures_until_it_has_them(db):
    from profiles.models import ResearcherRefreshRequest, TrustSnapshot
    from profiles.services.trust import trust_recompute

    seed = seed_profile_import(path=SEED).researcher
    assert ResearcherRefreshRequest.objects.filter(researcher=seed).exists()
    # Nothing computed it yet: a second load asks again (the request stays queued once).
    seed_profile_import(path=SEED)
    assert ResearcherRefreshRequest.objects.filter(researcher=seed).count() == 1

    ResearcherRefreshRequest.objects.all().delete()
    trust_recompute(researcher_ids=[seed.pk])
    assert TrustSnapshot.objects.filter(researcher=seed).exists()
    seed_profile_import(path=SEED)
    assert not ResearcherRefreshRequest.objects.exists()
