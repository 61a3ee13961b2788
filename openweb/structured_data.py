"""schema.org JSON-LD and the page's description for search engines and link previews.

JSON-LD goes in `<script type="application/ld+json">`: a data block, which browsers never run,
so the strict CSP (`script-src 'self'`) has nothing to block. Its text must still not end the
element early: `<`, `>` and `&` are written as JSON's `\\u003c`, `\\u003e`, `\\u0026` (same
value to a JSON parser), so "</script>" in a title cannot close the block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from openweb.citations import CitedWork
from profiles.models import Institution, Researcher
from works.models import Source
from works.place_selectors import COUNT_CAP

SCHEMA_ORG = "https://schema.org"
# Characters that could end or confuse the <script> element, as JSON unicode escapes.
JSON_IN_HTML_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
DESCRIPTION_CHARS = 200


@dataclass(frozen=True)
class PageMeta:
    """What a page tells crawlers and link previews about itself."""

    title: str
    description: str
    og_type: str = "website"
    feed_url: str = ""  # an Atom feed of the page's new works
    # The page's main entity first; its "url" is the page's canonical URL (see `json_ld`).
    structured_data: list[dict[str, Any]] = field(default_factory=list)

    def json_ld(self, url: str) -> SafeString:
        """The structured data as JSON-LD, the main entity's `url` set to the page's URL."""
        if not self.structured_data:
            return SafeString("")
        main, *others = self.structured_data
        main = {**main, "url": main.get("url") or url}
        return json_ld_script([main, *others] if others else main)


def json_ld_script(data: object) -> SafeString:
    """`<script type="application/ld+json">…</script>` that no value can break out of."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(  # noqa: S308 - the JSON's <, > and & are escaped just above
        f'<script type="application/ld+json">{text.translate(JSON_IN_HTML_ESCAPES)}</script>'
    )


def _property_value(property_id: str, value: str) -> dict[str, str]:
    return {"@type": "PropertyValue", "propertyID": property_id, "value": value}


def _identified_by(data: dict[str, Any], identifiers: list[tuple[str, str | None, str]]) -> None:
    """Each known (scheme, value, URL) as an `identifier` PropertyValue and its URL in `sameAs`;
    neither key when none is known."""
    known = [(scheme, value, url) for scheme, value, url in identifiers if value]
    if known:
        data["identifier"] = [_property_value(scheme, value) for scheme, value, _ in known]
        data["sameAs"] = [url for _, _, url in known]


def _institution_same_as(institution: Institution) -> list[str]:
    """The institution's ROR and OpenAlex URLs, where known."""
    urls = []
    if institution.ror_id:
        urls.append(f"https://ror.org/{institution.ror_id.removeprefix('https://ror.org/')}")
    if institution.openalex_id:
        urls.append(f"https://openalex.org/{institution.openalex_id}")
    return urls


def person(researcher: Researcher) -> dict[str, Any]:
    """schema.org Person: name, affiliation, identifiers (ORCID, OpenAlex) as `sameAs`."""
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Person",
        "name": researcher.display_name,
    }
    same_as = [u for u in (researcher.orcid_url, researcher.openalex_url) if u]
    if same_as:
        data["sameAs"] = same_as
    identifiers = []
    if researcher.orcid:
        identifiers.append(_property_value("ORCID", researcher.orcid))
    if researcher.openalex_id:
        identifiers.append(_property_value("OpenAlex", researcher.openalex_id))
    if identifiers:
        data["identifier"] = identifiers
    variants = [v for v in researcher.name_variants if v != researcher.display_name]
    if variants:
        data["alternateName"] = variants
    if researcher.headline:
        data["description"] = researcher.headline
    if institution := researcher.affiliation:
        org: dict[str, Any] = {"@type": "Organization", "name": institution.display_name}
        if org_same_as := _institution_same_as(institution):
            org["sameAs"] = org_same_as
        data["affiliation"] = org
    return data


def profile_meta(*, user: object, researcher: Researcher) -> PageMeta:
    """The profile's description, Open Graph type and Person JSON-LD (a profile panel)."""
    parts = [researcher.headline.rstrip(". ") or "Researcher"]
    if researcher.affiliation:
        parts.append(researcher.affiliation.display_name)
    works = getattr(researcher, "works_count", None)
    if works is not None:
        parts.append(f"{works} published item{pluralize(works)}")
    description = (
        f"{researcher.display_name}: {' · '.join(parts)}. "
        "Profile, works and research graph on BZPEER."
    )
    return PageMeta(
        title=researcher.display_name,
        description=Truncator(description).chars(DESCRIPTION_CHARS),
        og_type="profile",
        feed_url=reverse("openweb:researcher_feed", args=[researcher.slug]),
        structured_data=[person(researcher)],
    )


def scholarly_article(
    work: CitedWork, *, authors: list[tuple[str, str]], topics: list[str]
) -> dict[str, Any]:
    """schema.org ScholarlyArticle: authors in order, date, identifiers, `isPartOf` venue.

    `authors` are (name, profile URL) pairs in the work's order.
    """
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "ScholarlyArticle",
        "name": work.title,
        "headline": Truncator(work.title).chars(110),
    }
    if work.url:
        data["url"] = work.url
    if authors:
        data["author"] = [
            {"@type": "Person", "name": name, **({"url": url} if url else {})}
            for name, url in authors
        ]
    if work.year:
        date = str(work.year)
        if work.month:
            date += f"-{work.month:02d}" + (f"-{work.day:02d}" if work.day else "")
        data["datePublished"] = date
    _identified_by(
        data,
        [
            ("DOI", work.doi, f"https://doi.org/{work.doi}"),
            ("arXiv", work.arxiv_id, f"https://arxiv.org/abs/{work.arxiv_id}"),
            ("OpenAlex", work.openalex_id, f"https://openalex.org/{work.openalex_id}"),
        ],
    )
    if work.venue:
        data["isPartOf"] = {"@type": "Periodical", "name": work.venue}
    if work.abstract:
        data["abstract"] = work.abstract
    if topics:
        data["about"] = [{"@type": "Thing", "name": t} for t in topics]
    return data


def work_meta(work: CitedWork, *, authors: list[tuple[str, str]], topics: list[str]) -> PageMeta:
    """The work page's description, Open Graph type and ScholarlyArticle JSON-LD."""
    byline = ", ".join(name for name, _ in authors[:3]) + (" et al." if len(authors) > 3 else "")
    description = " · ".join(p for p in (byline, str(work.year or ""), work.venue) if p)
    if work.abstract:
        description += f". {work.abstract}"
    return PageMeta(
        title=work.title,
        description=Truncator(description or work.title).chars(DESCRIPTION_CHARS),
        og_type="article",
        structured_data=[scholarly_article(work, authors=authors, topics=topics)],
    )


# OpenAlex's institution types as the schema.org Organization subtype that names them; any
# other type (facility, funder, archive, other) is a plain Organization.
ORGANIZATION_TYPES = {
    "education": "CollegeOrUniversity",
    "healthcare": "MedicalOrganization",
    "company": "Corporation",
    "government": "GovernmentOrganization",
    "nonprofit": "NGO",
}


def organization(institution: Institution) -> dict[str, Any]:
    """schema.org Organization (or the subtype its type names): name, country, homepage and
    identifiers (ROR, OpenAlex) as `sameAs` and `identifier`."""
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": ORGANIZATION_TYPES.get(institution.institution_type, "Organization"),
        "name": institution.display_name,
    }
    same_as = _institution_same_as(institution)
    if institution.homepage_url:  # schema.org: sameAs includes the item's official website
        same_as.append(institution.homepage_url)
    if same_as:
        data["sameAs"] = same_as
    identifiers = []
    if institution.ror_id:
        identifiers.append(
            _property_value("ROR", institution.ror_id.removeprefix("https://ror.org/"))
        )
    if institution.openalex_id:
        identifiers.append(_property_value("OpenAlex", institution.openalex_id))
    if identifiers:
        data["identifier"] = identifiers
    if institution.country_code:
        data["address"] = {"@type": "PostalAddress", "addressCountry": institution.country_code}
    return data


def institution_meta(*, request: HttpRequest, institution: Institution) -> PageMeta:
    """The institution page's description and Organization JSON-LD (an institution panel).

    Reads the counts the page's queryset annotated: no query of its own."""
    researchers = getattr(institution, "researchers_count", 0)
    works = getattr(institution, "works_count", 0)
    kind = (institution.institution_type or "institution").capitalize()
    country = f" ({institution.country_code})" if institution.country_code else ""
    parts = [
        f"{kind}{country}",
        f"{researchers:,} affiliated researcher{pluralize(researchers)}",
        f"{_capped(works)} work{pluralize(works)} with an author here",
    ]
    description = f"{institution.display_name}: {' · '.join(parts)}. On BZPEER."
    return PageMeta(
        title=institution.display_name,
        description=Truncator(description).chars(DESCRIPTION_CHARS),
        structured_data=[organization(institution)],
    )


# OpenAlex's source types as schema.org types: a journal is a Periodical, a book series a
# BookSeries; a conference series, a repository (arXiv) or any other source is the general
# CreativeWorkSeries, which is what they are to schema.org (it carries `issn` too).
VENUE_TYPES = {"journal": "Periodical", "book series": "BookSeries"}


def periodical(venue: Source) -> dict[str, Any]:
    """schema.org Periodical (a journal; BookSeries or CreativeWorkSeries for other venues):
    name, ISSN-L as `issn`, identifiers (ISSN-L, OpenAlex) as `sameAs` and `identifier`."""
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": VENUE_TYPES.get(venue.source_type, "CreativeWorkSeries"),
        "name": venue.display_name,
    }
    if venue.issn_l:
        data["issn"] = venue.issn_l
    _identified_by(
        data,
        [
            ("ISSN-L", venue.issn_l, f"https://portal.issn.org/resource/ISSN/{venue.issn_l}"),
            ("OpenAlex", venue.openalex_id, f"https://openalex.org/{venue.openalex_id}"),
        ],
    )
    return data


def venue_meta(*, request: HttpRequest, venue: Source) -> PageMeta:
    """The venue page's description and Periodical JSON-LD (a venue panel); no query."""
    works = getattr(venue, "works_count", 0)
    parts = [venue.source_type.capitalize() or "Venue"]
    if venue.issn_l:
        parts.append(f"ISSN-L {venue.issn_l}")
    parts.append(f"{_capped(works)} work{pluralize(works)} on BZPEER")
    description = (
        f"{venue.display_name}: {' · '.join(parts)}. "
        "Its newest and most cited works and the authors who publish there most."
    )
    return PageMeta(
        title=venue.display_name,
        description=Truncator(description).chars(DESCRIPTION_CHARS),
        structured_data=[periodical(venue)],
    )


def _capped(count: int) -> str:
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"
