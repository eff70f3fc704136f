import base64
import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from municipalities import access, services, uploads
from municipalities.models import (
    Contact,
    County,
    Municipality,
    MunicipalityChange,
    MunicipalityProfile,
    Region,
    RegionScheme,
    StaffProfile,
)
from municipalities.selectors import (
    municipality_annotate_region,
    region_scheme_active,
    staff_profile_list_bound_outside_scheme_in_force,
)
from operations.params import param_id
from operations.upload_limits import UploadRefused, upload_check_size, upload_limits_for_tables

admin.site.site_header = _("Municipal survey administration")
admin.site.site_title = _("Municipal survey")
admin.site.index_title = _("Administration")


class ValidityFilter(admin.SimpleListFilter):
    """Shows the units valid today unless the user asks for history."""

    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("current", _("valid today")), ("historical", _("historical")), ("all", _("all"))]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "current") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "current"
        today = datetime.date.today()
        if value == "current":
            return queryset.valid_on(today)
        if value == "historical":
            return queryset.filter(valid_to__lt=today)
        return queryset


class RegionFilter(admin.SimpleListFilter):
    title = _("region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        scheme = region_scheme_active()
        return [(region.pk, region.name) for region in scheme.regions.all()] if scheme else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        region_id = param_id(self.value())
        if region_id is None:
            # As the admin answers any lookup it cannot use: the list without it (?e=1).
            raise IncorrectLookupParameters(self.value())
        region = Region.objects.filter(pk=region_id).first()
        if region is None:
            return queryset.none()
        prefix = "" if queryset.model is Municipality else "municipality__"
        ids = access.municipalities_in_region(region).values("pk")
        return queryset.filter(**{f"{prefix}pk__in": ids})


class SettlesRefugeesFilter(admin.SimpleListFilter):
    title = _("settles refugees (latest profile)")
    parameter_name = "settles"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no")), ("unknown", _("unknown"))]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        year = MunicipalityProfile.objects.aggregate(year=Max("year"))["year"]
        profiles = MunicipalityProfile.objects.filter(year=year)
        if self.value() == "unknown":
            return queryset.exclude(pk__in=profiles.exclude(settles_refugees=None).values("municipality"))
        wanted = self.value() == "yes"
        return queryset.filter(pk__in=profiles.filter(settles_refugees=wanted).values("municipality"))


class LogAdminMixin:
    """A log in the admin: shown, never written there (its services write it)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UploadAdminMixin:
    """An upload page with a preview of what would change, then apply."""

    upload_plan = None
    upload_apply = None
    upload_columns: list[str] = []
    change_list_template = "admin/municipalities/upload_change_list.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name=f"{info[0]}_{info[1]}_upload"),
        ] + super().get_urls()

    def upload_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        session_key = f"upload:{self.model._meta.model_name}"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "columns": self.upload_columns,
            "form": UploadForm(),
        }
        if request.method == "POST" and "apply" in request.POST:
            stored = request.session.get(session_key)
            if not stored:
                messages.error(request, _("The preview has expired. Upload the file again."))
                return redirect(request.path)
            name, content = stored["name"], base64.b64decode(stored["content"])
            plan = type(self).upload_apply(name=name, content=content)
            if plan.errors:
                context.update(plan=plan, file_name=name)
                return TemplateResponse(request, "admin/municipalities/upload.html", context)
            del request.session[session_key]
            messages.success(
                request,
                _("Applied: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                % {
                    "created": plan.count("create"),
                    "updated": plan.count("update"),
                    "unchanged": plan.count("unchanged"),
                },
            )
            return redirect(reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"))
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                content = upload.read()
                plan = type(self).upload_plan(name=upload.name, content=content)
                if not plan.errors:
                    request.session[session_key] = {
                        "name": upload.name,
                        "content": base64.b64encode(content).decode("ascii"),
                    }
                context.update(plan=plan, file_name=upload.name)
            context["form"] = form
        return TemplateResponse(request, "admin/municipalities/upload.html", context)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        error_messages={"required": _("Choose a file to upload.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."), code="wrong_type")
        try:
            upload_check_size(size=upload.size, limits=upload_limits_for_tables())
        except UploadRefused as refused:
            raise forms.ValidationError(refused.message, code="too_large") from None
        return upload


@admin.register(RegionScheme)
class RegionSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "region_count"]
    readonly_fields = ["is_active"]
    actions = ["make_active"]
    change_list_template = "admin/municipalities/regionscheme/change_list.html"

    @admin.display(description=_("regions"))
    def region_count(self, scheme):
        return scheme.regions.count()

    @admin.action(description=_("Put the selected scheme in force"), permissions=["change"])
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one scheme."), messages.ERROR)
            return
        scheme = queryset.get()
        services.region_scheme_activate(scheme=scheme)
        self.message_user(request, _("%(name)s is now in force.") % {"name": scheme.name})
        stranded = staff_profile_list_bound_outside_scheme_in_force().count()
        if stranded:
            self.message_user(
                request,
                ngettext(
                    "%(count)s regional officer is bound to a region of another scheme and sees nothing "
                    "until a superuser binds them to a region of %(name)s.",
                    "%(count)s regional officers are bound to regions of another scheme and see nothing "
                    "until a superuser binds them to a region of %(name)s.",
                    stranded,
                )
                % {"count": stranded, "name": scheme.name},
                messages.WARNING,
            )

    def get_urls(self):
        return [
            path(
                "per-county/",
                self.admin_site.admin_view(self.per_county_view),
                name="municipalities_regionscheme_per_county",
            )
        ] + super().get_urls()

    def per_county_view(self, request):
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        scheme = services.region_scheme_create_per_county()
        self.message_user(
            request,
            _("Created %(name)s with one region per county. Put it in force when it is ready.") % {"name": scheme.name},
        )
        return redirect(reverse("admin:municipalities_regionscheme_change", args=[scheme.pk]))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "scheme", "office_email"]
    list_filter = ["scheme"]
    search_fields = ["name", "code"]
    filter_horizontal = ["counties"]
    autocomplete_fields = ["municipalities"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "valid_from", "valid_to"]
    list_filter = [ValidityFilter]
    search_fields = ["number", "name"]


class ProfileInline(admin.TabularInline):
    model = MunicipalityProfile
    extra = 0
    fields = ["year", "population", "centrality_class", "immigrant_share", "settles_refugees", "is_partner"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "role", "email", "phone", "language", "is_active"]


class ChangeInInline(admin.TabularInline):
    model = MunicipalityChange
    fk_name = "successor"
    verbose_name = _("predecessor")
    verbose_name_plural = _("predecessors (reforms)")
    fields = ["predecessor", "valid_from", "change_type"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChangeOutInline(ChangeInInline):
    fk_name = "predecessor"
    verbose_name = _("successor")
    verbose_name_plural = _("successors (reforms)")
    fields = ["successor", "valid_from", "change_type"]
    readonly_fields = fields


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    """Searchable by number, name, county and region name; filters (with counts) for
    validity, kind, region, settling refugees and county."""

    list_display = ["number", "name", "kind", "county", "region", "valid_from", "valid_to"]
    list_filter = [ValidityFilter, "kind", RegionFilter, SettlesRefugeesFilter, "county"]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["number", "name", "county__name", "county__number"]
    search_help_text = _("Number, name, county or region (of the scheme in force).")
    list_select_related = ["county"]
    raw_id_fields = ["parent", "county"]
    inlines = [ProfileInline, ContactInline, ChangeInInline, ChangeOutInline]

    def get_queryset(self, request):
        return municipality_annotate_region(super().get_queryset(request), scheme=region_scheme_active())

    def get_search_results(self, request, queryset, search_term):
        """Also the units of a region of the scheme in force whose name matches the whole term."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        regions = list(Region.objects.filter(scheme__is_active=True, name__icontains=term)) if term else []
        if regions:
            in_regions = [access.municipalities_in_region(region).values("pk") for region in regions]
            matches = Q(pk__in=results.values("pk"))
            for ids in in_regions:
                matches |= Q(pk__in=ids)
            results = queryset.filter(matches)
        return results, may_have_duplicates

    @admin.display(description=_("region"), ordering="region_name")
    def region(self, unit):
        return unit.region_name or "–"

    actions = ["limit_delegation_to_contact_domains"]

    @admin.action(
        description=_("Allow delegated links only to the e-mail domains of the units' contacts"),
        permissions=["change"],
    )
    def limit_delegation_to_contact_domains(self, request, queryset):
        changed = services.municipality_delegation_domains_from_contacts(municipalities=queryset)
        self.message_user(
            request, _("%(count)s units now limit delegated links to their domains.") % {"count": changed}
        )


@admin.register(MunicipalityProfile)
class MunicipalityProfileAdmin(UploadAdminMixin, admin.ModelAdmin):
    list_display = [
        "municipality",
        "year",
        "population",
        "centrality_class",
        "immigrant_share",
        "settles_refugees",
        "is_partner",
    ]
    list_filter = ["year", RegionFilter, "centrality_class", "settles_refugees", "is_partner"]
    search_fields = ["municipality__number", "municipality__name"]
    list_select_related = ["municipality"]
    raw_id_fields = ["municipality"]
    upload_plan = staticmethod(uploads.upload_plan_profiles)
    upload_apply = staticmethod(uploads.upload_apply_profiles)
    upload_columns = uploads.PROFILE_REQUIRED + uploads.PROFILE_OPTIONAL


@admin.register(Contact)
class ContactAdmin(UploadAdminMixin, admin.ModelAdmin):
    list_display = ["name", "role", "municipality", "email", "phone", "language", "is_active"]
    list_filter = ["role", "is_active", "language", RegionFilter]
    search_fields = ["name", "email", "municipality__number", "municipality__name"]
    list_select_related = ["municipality"]
    raw_id_fields = ["municipality"]
    upload_plan = staticmethod(uploads.upload_plan_contacts)
    upload_apply = staticmethod(uploads.upload_apply_contacts)
    upload_columns = uploads.CONTACT_REQUIRED + uploads.CONTACT_OPTIONAL


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fields = ["role", "region"]


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "email", "is_staff", "staff_role", "signs_in_through"]
    list_select_related = ["staff_profile__region__scheme", "oidc_identity"]

    @admin.display(description=_("staff role"))
    def staff_role(self, user):
        profile = getattr(user, "staff_profile", None)
        if profile is None:
            return "–"
        if profile.role == StaffProfile.Role.REGIONAL_OFFICER and not access.staff_profile_region_in_force(profile):
            return _("%(role)s – region not in force, sees nothing") % {"role": profile.get_role_display()}
        return profile.get_role_display()

    @admin.display(description=_("signs in through"))
    def signs_in_through(self, user):
        return _("the identity provider") if hasattr(user, "oidc_identity") else _("a password")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if user is not None:
            profile = getattr(user, "staff_profile", None)
            if (
                profile is not None
                and profile.role == StaffProfile.Role.REGIONAL_OFFICER
                and not access.staff_profile_region_in_force(profile)
            ):
                self.message_user(
                    request,
                    _(
                        "This regional officer is bound to %(region)s in %(scheme)s, which is not in force, and "
                        "sees nothing. Bind them to a region of the scheme in force."
                    )
                    % {"region": profile.region.name, "scheme": profile.region.scheme.name},
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)
