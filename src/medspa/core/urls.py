from django.urls import path

from medspa.core.views import pages

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
]
