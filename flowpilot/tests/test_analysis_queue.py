"""flowpilot owns the flywheel's queue: the schedule runs its task, and the flywheel reads its step kinds."""

import importlib

from django.apps import apps
from django.utils.module_loading import import_string
from django_q.models import Schedule

from flowpilot import tasks
from flowpilot.models import StepType
from knowledge.flywheel.facts import StepKind

migration = importlib.import_module("flowpilot.migrations.0011_analysis_schedule_in_flowpilot")


def test_the_flywheel_schedule_runs_flowpilots_task(db):
    schedule = Schedule.objects.get(name=migration.NAME)

    assert schedule.func == tasks.TASK == "flowpilot.tasks.analyze_pending_sessions"
    assert import_string(schedule.func) is tasks.analyze_pending_sessions


def test_the_migration_repoints_the_existing_row_instead_of_adding_one(db):
    Schedule.objects.filter(name=migration.NAME).update(func=migration.OLD_FUNC, minutes=5)

    migration.point_to(migration.FUNC)(apps, None)
    migration.point_to(migration.FUNC)(apps, None)

    assert list(Schedule.objects.filter(name=migration.NAME).values_list("func", flat=True)) == [tasks.TASK]


def test_the_flywheel_knows_every_step_type_flowpilot_records():
    assert set(StepKind.ALL) == set(StepType.values)
