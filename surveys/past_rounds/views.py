"""The survey admin's workspace for past rounds: upload a data file, confirm the mapping the
platform suggests, read the dry run, import; remove an imported round (after asking)."""

import json
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from municipalities.access import staff_required, staff_role
from municipalities.models import StaffProfile
from operations.upload_limits import UploadRefused
from surveys.models import PastRoundImport, PastRoundUpload, Survey
from surveys.past_rounds.dry_run import past_round_plan
from surveys.past_rounds.forms import PastRoundMappingForm, PastRoundUploadForm
from surveys.past_rounds.services import (
    PastRoundRefused,
    past_round_removal_blockers,
    past_round_remove,
    past_round_upload_create,
    past_round_upload_file,
    past_round_upload_import,
    past_round_upload_map,
)


def survey_admin_required(view):
    @staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if staff_role(request.user) != StaffProfile.Role.SURVEY_ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@survey_admin_required
def past_round_list(request):
    form = PastRoundUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        previous = form.cleaned_data["previous"]
        try:
            created = past_round_upload_create(
                name=upload.name,
                content=upload.read(),
                year=form.cleaned_data["year"],
                reference_day=form.cleaned_data["reference_day"],
                previous=previous.mapping if previous else None,
                uploaded_by=request.user,
            )
        except UploadRefused as refused:
            form.add_error("file", refused.message)
        else:
            return redirect("past-round-mapping", pk=created.pk)
    return render(
        request,
        "surveys/past_rounds/list.html",
        {
            "form": form,
            "imports": PastRoundImport.objects.select_related("survey"),
            "uploads": PastRoundUpload.objects.defer("content"),
        },
    )


@survey_admin_required
def past_round_mapping(request, pk: int):
    upload = get_object_or_404(PastRoundUpload, pk=pk)
    data_file = past_round_upload_file(upload)
    form = PastRoundMappingForm(request.POST or None, mapping=upload.mapping, columns=data_file.columns)
    if request.method == "POST" and form.is_valid():
        past_round_upload_map(upload=upload, columns=form.decisions())
        return redirect("past-round-dry-run", pk=upload.pk)
    return render(request, "surveys/past_rounds/mapping.html", {"upload": upload, "form": form})


@survey_admin_required
def past_round_dry_run(request, pk: int):
    upload = get_object_or_404(PastRoundUpload, pk=pk)
    if request.method == "POST":
        try:
            survey = past_round_upload_import(upload=upload, imported_by=request.user)
        except PastRoundRefused:
            messages.error(request, _("The dry run found problems; nothing was written."))
        else:
            messages.success(request, _("Imported %(survey)s.") % {"survey": survey})
            return redirect("past-rounds")
    plan = past_round_plan(data_file=past_round_upload_file(upload), mapping=upload.mapping)
    return render(request, "surveys/past_rounds/dry_run.html", {"upload": upload, "plan": plan})


@survey_admin_required
def past_round_mapping_download(request, pk: int):
    upload = get_object_or_404(PastRoundUpload, pk=pk)
    response = HttpResponse(json.dumps(upload.mapping, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="mapping-{upload.year}.json"'
    return response


@survey_admin_required
def past_round_remove_confirm(request, survey_id: int):
    survey = get_object_or_404(Survey.objects.select_related("past_round_import"), pk=survey_id)
    blockers = past_round_removal_blockers(survey=survey)
    if request.method == "POST" and not blockers:
        try:
            past_round_remove(survey=survey, removed_by=request.user)
        except ValidationError as error:
            blockers = error.messages
        else:
            messages.success(request, _("Removed the imported round %(year)s.") % {"year": survey.year})
            return redirect("past-rounds")
    return render(request, "surveys/past_rounds/remove.html", {"survey": survey, "blockers": blockers})
