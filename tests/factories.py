"""factory_boy factories shared by the tests."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from profiles.models import Institution, Researcher
from works.models import Authorship, Topic, Work, WorkTopic


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    display_name = factory.Sequence(lambda n: f"University {n}")
    openalex_id = factory.Sequence(lambda n: f"I{9000000 + n}")


class ResearcherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Researcher

    display_name = factory.Sequence(lambda n: f"Researcher {n}")
    slug = factory.Sequence(lambda n: f"researcher-{n}")


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Work

    title = factory.Sequence(lambda n: f"A study of things, part {n}")
    publication_year = 2020
    work_type = "article"


class AuthorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorship

    work = factory.SubFactory(WorkFactory)
    researcher = factory.SubFactory(ResearcherFactory)
    position = 0


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    origin = "openalex"
    external_id = factory.Sequence(lambda n: f"T{10000 + n}")
    display_name = factory.Sequence(lambda n: f"Topic {n}")


class WorkTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkTopic

    work = factory.SubFactory(WorkFactory)
    topic = factory.SubFactory(TopicFactory)
