"""Inbox settings: teams (name, members, supervisor) and agents (routing profile, presence), for
``inbox.manage``. A supervisor's presence change for someone else goes through ``agent_presence_set`` so
that signing an agent off hands their conversations over."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.conversations import selectors, setup_services
from mehvar.conversations.forms import member_label
from mehvar.conversations.forms_settings import AgentProfileForm, PresenceForm, TeamForm, split_words
from mehvar.conversations.models import AgentProfile, Team
from mehvar.conversations.routing_presence import agent_presence_set
from mehvar.conversations.views_inbox import acting, members
from mehvar.conversations.views_settings import presence_message, put_errors, slug
from mehvar.core.models import Membership
from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace, workspace_view


# --- teams ----------------------------------------------------------------------------------------------
@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def teams_list(request: HttpRequest) -> HttpResponse:
    """The teams, and a form to add one."""
    people = members(request)
    form = TeamForm(request.POST or None, members=people)
    if request.method == "POST" and form.is_valid():
        try:
            team = setup_services.team_save(
                acting=acting(request),
                name=form.cleaned_data["name"],
                members=form.chosen_members(),
                supervisor=form.chosen_supervisor(),
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("The team “%(name)s” was added.") % {"name": team.name})
            return redirect("inbox:settings_teams", slug=slug(request))
    teams = (
        selectors.teams_of(workspace=request.workspace)  # type: ignore[attr-defined]
        .select_related("supervisor__user")
        .prefetch_related("members__user")
    )
    return render(request, "conversations/settings/teams.html", {"teams": teams, "form": form})


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_in_workspace(Team, request.workspace, pk=team_id)  # type: ignore[attr-defined]
    initial = {
        "name": team.name,
        "members": [str(pk) for pk in team.members.values_list("pk", flat=True)],
        "supervisor": str(team.supervisor_id or ""),
    }
    form = TeamForm(request.POST or None, members=members(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            setup_services.team_save(
                acting=acting(request),
                team=team,
                name=form.cleaned_data["name"],
                members=form.chosen_members(),
                supervisor=form.chosen_supervisor(),
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("The team “%(name)s” was saved.") % {"name": team.name})
            return redirect("inbox:settings_teams", slug=slug(request))
    return render(request, "conversations/settings/team_form.html", {"form": form, "team": team})


@workspace_view(Perm.INBOX_MANAGE)
@require_POST
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_in_workspace(Team, request.workspace, pk=team_id)  # type: ignore[attr-defined]
    setup_services.team_delete(acting=acting(request), team=team)
    messages.success(request, _("The team “%(name)s” was deleted.") % {"name": team.name})
    return redirect("inbox:settings_teams", slug=slug(request))


# --- agents ---------------------------------------------------------------------------------------------
def _answering(request: HttpRequest, membership_id: int) -> Membership:
    """An answering member of this workspace (anyone else: 404)."""
    member = get_in_workspace(
        Membership.objects.select_related("user", "workspace"),
        request.workspace,  # type: ignore[attr-defined]
        pk=membership_id,
    )
    if member not in selectors.answering_members([member]):
        raise Http404
    return member


@workspace_view(Perm.INBOX_MANAGE)
@require_GET
def agents_list(request: HttpRequest) -> HttpResponse:
    answering = selectors.answering_members(members(request))
    profiles = {
        p.membership_id: p
        for p in AgentProfile.objects.filter(workspace=request.workspace)  # type: ignore[attr-defined]
    }
    rows = [(m, member_label(m), profiles.get(m.pk)) for m in answering]
    return render(
        request,
        "conversations/settings/agents.html",
        {"rows": rows, "presences": AgentProfile.Presence.choices},
    )


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    member = _answering(request, membership_id)
    profile = AgentProfile.objects.filter(workspace=request.workspace, membership=member).first()  # type: ignore[attr-defined]
    form = AgentProfileForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            setup_services.agent_profile_save(
                acting=acting(request),
                membership=member,
                capacity=data["capacity"],
                skills=split_words(data["skills"]),
                languages=split_words(data["languages"].lower()),
                channels=data["channels"],
                senior=data["senior"],
                shift=form.shift(),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                if field.startswith("shift_"):
                    field = f"{field}_start"
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(name)s's profile was saved.") % {"name": member_label(member)})
            return redirect("inbox:settings_agents", slug=slug(request))
    return render(
        request,
        "conversations/settings/agent_form.html",
        {"form": form, "member": member, "name": member_label(member), "profile": profile},
    )


@workspace_view(Perm.INBOX_MANAGE)
@require_POST
def agent_presence(request: HttpRequest, membership_id: int) -> HttpResponse:
    """A supervisor sets an agent's presence (signing them off hands their conversations over)."""
    member = _answering(request, membership_id)
    form = PresenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose online, away or offline."))
        return redirect("inbox:settings_agents", slug=slug(request))
    result = agent_presence_set(
        membership=member, presence=form.cleaned_data["presence"], acting=acting(request)
    )
    messages.success(
        request, _("%(name)s — %(what)s") % {"name": member_label(member), "what": presence_message(result)}
    )
    return redirect("inbox:settings_agents", slug=slug(request))
