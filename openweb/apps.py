from django.apps import AppConfig


class OpenwebConfig(AppConfig):
    name = "openweb"
    verbose_name = "BZPEER on the open web: citations, structured data, sitemaps, feeds, API"

    def ready(self) -> None:
        from openweb.panels import work_open_web
        from openweb.structured_data import institution_meta, profile_meta, venue_meta
        from profiles.profile_panels import profile_panel_register
        from works.place_panels import institution_panel_register, venue_panel_register
        from works.work_panels import work_panel_register

        # The profile's description, Open Graph tags and Person JSON-LD (see profile_panels).
        profile_panel_register("page_meta", profile_meta)
        # The work page's cite panel, description and ScholarlyArticle JSON-LD.
        work_panel_register("open_web", work_open_web)
        # The venue and institution pages' descriptions and Periodical / Organization JSON-LD.
        venue_panel_register("page_meta", venue_meta)
        institution_panel_register("page_meta", institution_meta)
