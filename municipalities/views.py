from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from municipalities import access
from municipalities.models import Municipality
from municipalities.selectors import municipality_annotate_region, region_scheme_active


@access.staff_required
def municipality_list(request):
    query = request.GET.get("q", "").strip()
    units = municipality_annotate_region(
        access.municipalities_visible_to(request.user).current().select_related("county"),
        scheme=region_scheme_active(),
    ).order_by("number")
    if query:
        units = units.filter(name__icontains=query) | units.filter(number__startswith=query)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "municipalities/municipality_list.html", {"page": page, "query": query})


@access.staff_required
def municipality_detail(request, pk: int):
    unit = get_object_or_404(Municipality.objects.select_related("county", "parent"), pk=pk)
    # A unit outside the user's region is answered as if it did not exist.
    if not access.may_see_municipality(request.user, unit):
        raise Http404
    return render(
        request,
        "municipalities/municipality_detail.html",
        {
            "unit": unit,
            "region": access.region_of_municipality(unit),
            "profiles": unit.profiles.order_by("-year"),
            "contacts": unit.contacts.filter(is_active=True),
        },
    )
