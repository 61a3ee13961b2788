from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from openweb.structured_data import PageMeta

register = template.Library()


@register.filter
def json_ld(meta: PageMeta | None, url: str) -> SafeString:
    """`{{ meta|json_ld:canonical_url }}`: the page's JSON-LD, its main entity at `url`."""
    return meta.json_ld(url) if isinstance(meta, PageMeta) else SafeString("")
