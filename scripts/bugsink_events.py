"""Helper for scripts/bugsink: talks to a local Bugsink's database through its Django models.

Run with the Bugsink venv's Python, with PYTHONPATH=$BUGSINK_HOME and DJANGO_SETTINGS_MODULE=bugsink_conf
(scripts/bugsink does this). Subcommands:

  project         create the team and project once; print "<project id> <sentry key hex>"
  events ID       print every stored event of project ID as one JSON object per line
  reset-events ID delete every issue and event (with tags, groupings, ...) of project ID
"""
import json
import sys

import django

TEAM_NAME = "scopeline"
PROJECT_NAME = "scopeline"
PROJECT_SLUG = "scopeline"


def iso(dt):
    return None if dt is None else dt.isoformat()


def ensure_project():
    from projects.models import Project
    from teams.models import Team

    team, _ = Team.objects.get_or_create(name=TEAM_NAME)
    project = Project.objects.filter(slug=PROJECT_SLUG, is_deleted=False).first()
    if project is None:
        project = Project.objects.create(name=PROJECT_NAME, slug=PROJECT_SLUG, team=team)
    print(project.id, project.sentry_key.hex)


def events(project_id):
    from events.models import Event
    from tags.models import EventTag

    qs = Event.objects.filter(project_id=project_id).order_by("digested_at", "project_digest_order")
    for event in qs.iterator():
        # Tags as Bugsink stored them: the event's own tags plus the ones Bugsink deduces (level, release, os, ...).
        tags = {
            et.value.key.key: et.value.value
            for et in EventTag.objects.filter(event=event).select_related("value", "value__key")
        }
        line = {
            "event_id": event.event_id.hex,
            "id": str(event.id),  # Bugsink-internal id
            "issue_id": str(event.issue_id),
            "ingested_at": iso(event.ingested_at),
            "digested_at": iso(event.digested_at),
            "timestamp": iso(event.timestamp),  # the event's own timestamp, as Bugsink parsed it
            "level": event.level,
            "platform": event.platform,
            "release": event.release,
            "environment": event.environment,
            "title": event.title(),
            "remote_addr": event.remote_addr,
            "tags": tags,
            # The payload as stored: in the DB's `data` column, or in an event storage if one is configured.
            "data": event.get_parsed_data(),
        }
        sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def reset_events(project_id):
    from events.models import Event
    from issues.models import Issue, mark_issues_for_deletion
    from issues.tasks import delete_marked_issues_sync
    from projects.models import Project
    from bugsink.transaction import immediate_atomic

    with immediate_atomic():
        pairs = list(Issue.objects.filter(project_id=project_id, is_deleted=False).values_list("id", "project_id"))
        if pairs:
            mark_issues_for_deletion(pairs)
    # Deletes each marked issue with everything hanging off it (events, tags, groupings, turning points, counts).
    delete_marked_issues_sync()
    with immediate_atomic():
        Project.objects.filter(id=project_id).update(
            stored_event_count=Event.objects.filter(project_id=project_id).count(),
            issue_count=Issue.objects.filter(project_id=project_id, is_deleted=False).count(),
        )


def main(argv):
    django.setup()
    if argv[1:] == ["project"]:
        ensure_project()
    elif len(argv) == 3 and argv[1] == "events":
        events(int(argv[2]))
    elif len(argv) == 3 and argv[1] == "reset-events":
        reset_events(int(argv[2]))
    else:
        sys.exit("usage: bugsink_events.py project | events PROJECT_ID | reset-events PROJECT_ID")


if __name__ == "__main__":
    main(sys.argv)
