"""The control endpoint the tests drive the provider with, and discovery that can leave out
the end-session endpoint."""

import json

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.http import HttpResponseForbidden, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application
from oauth2_provider.views import ConnectDiscoveryInfoView

from tests.oidc_provider import behaviour
from tests.oidc_provider.validator import MISBEHAVIOURS


class DiscoveryView(ConnectDiscoveryInfoView):
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if behaviour.read().get("no_end_session"):
            document = json.loads(response.content)
            document.pop("end_session_endpoint", None)
            return JsonResponse(document)
        return response


@csrf_exempt
@require_POST
def control(request, action):
    if request.headers.get("X-Control-Token") != settings.CONTROL_TOKEN:
        return HttpResponseForbidden("control token")
    data = json.loads(request.body or b"{}")
    if action == "client":
        Application.objects.update_or_create(
            client_id=data["client_id"],
            defaults={
                "name": "Survey platform",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "client_secret": data["client_secret"],
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
                "redirect_uris": " ".join(data["redirect_uris"]),
                "post_logout_redirect_uris": " ".join(data["post_logout_redirect_uris"]),
            },
        )
        return JsonResponse({"ok": True})
    if action == "person":
        user, _created = User.objects.get_or_create(username=data["username"])
        user.set_password(data["password"])
        user.first_name, user.last_name = data.get("first_name", ""), data.get("last_name", "")
        user.email = data.get("email", "")
        user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in data.get("groups", [])])
        users = behaviour.read().get("users", {})
        users[user.username] = {"amr": data.get("amr", ["pwd", "otp", "mfa"]), "acr": data.get("acr", "")}
        behaviour.update(users=users)
        return JsonResponse({"sub": str(user.pk)})
    if action == "behave":
        misbehaviour = data.get("misbehaviour")
        if misbehaviour is not None and misbehaviour not in MISBEHAVIOURS:
            return JsonResponse({"error": f"no such misbehaviour: {misbehaviour}"}, status=400)
        behaviour.update(
            misbehaviour=misbehaviour, claim=data.get("claim"), no_end_session=bool(data.get("no_end_session"))
        )
        return JsonResponse({"ok": True})
    if action == "sessions":
        # How many live sessions the person has at the provider (RP-initiated logout ends theirs).
        user = User.objects.get(username=data["username"])
        live = [
            session
            for session in Session.objects.filter(expire_date__gt=timezone.now())
            if session.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        return JsonResponse({"sessions": len(live)})
    return JsonResponse({"error": f"no such action: {action}"}, status=404)
