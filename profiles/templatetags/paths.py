"""`{% path "app:view" arg … %}`: `{% url %}` for the links a page repeats (profiles.paths)."""

from __future__ import annotations

from django import template

from profiles.paths import path_of

register = template.Library()


@register.simple_tag
def path(viewname: str, *args: int | str) -> str:
    return path_of(viewname, *args)
