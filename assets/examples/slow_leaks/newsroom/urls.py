from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    # Leaks: 64 B to 4 KB a request each (see leaks.json and the index page).
    path("analytics/ping/", views.analytics_ping, name="analytics-ping"),
    path("desk/preview/", views.editor_preview, name="editor-preview"),
    path("stories/teaser/", views.story_teaser, name="story-teaser"),
    path("newsletter/signup/", views.newsletter_signup, name="newsletter-signup"),
    path("liveblog/widget/", views.liveblog_widget, name="liveblog-widget"),
    path("stories/edition/", views.edition_banner, name="edition-banner"),
    path("stories/latest/", views.latest_story, name="latest-story"),
    # Controls: they use memory (or disk) but do not leak.
    path("print/proof/", views.print_proof, name="print-proof"),
    path("archive/summary/", views.archive_summary, name="archive-summary"),
    path("photos/front-page/", views.front_page_photo, name="front-page-photo"),
    path("search/suggest/", views.search_suggestions, name="search-suggest"),
    path("paywall/meter/", views.paywall_meter, name="paywall-meter"),
    path("api/headlines/", views.api_headlines, name="api-headlines"),
    path("desk/dashboard/", views.desk_dashboard, name="desk-dashboard"),
]
