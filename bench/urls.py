"""The platform's URLs plus two bare views that measure the stack's ceiling:
an HTML page of a given size and a small POST answered with a small JSON."""

from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


def ceiling_page(request):
    return HttpResponse("x" * int(request.GET.get("size", "1000")))


@csrf_exempt
def ceiling_post(request):
    return JsonResponse({"status": "saved", "version": 1})


urlpatterns = [
    path("bench/ceiling/", ceiling_page),
    path("bench/ceiling-post/", ceiling_post),
    path("", include("config.urls")),
]
