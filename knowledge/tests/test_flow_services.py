import pytest

from knowledge import services
from knowledge.errors import InvalidEnvelope, StaleTarget
from knowledge.models import Origin, TreeStatus
from knowledge.tests.factories import QuestionTreeFactory, TreeFactory


def test_creating_a_flow_publishes_version_one_embedded_and_searchable(northwind, northwind_admin):
    tree = services.create_flow(
        northwind,
        author=northwind_admin,
        data={
            "name": "AD account lockout",
            "description": "User locked out",
            "match_keywords": ["4740"],
            "problem_domain": "active_directory",
            "tree_structure": QuestionTreeFactory(),
        },
    )

    assert tree.status == TreeStatus.PUBLISHED and tree.version == 1
    assert tree.versions.get().note == "First version"
    assert tree.embedding is not None and len(tree.embedding) == 1024
    assert tree.embedding_model == "local:all-MiniLM-L6-v2"
    assert tree.tree_type == "troubleshooting"
    from knowledge.models import Tree

    assert Tree.objects.filter(pk=tree.pk, search_document="lockout").exists()


def test_an_invalid_tree_is_refused_with_the_path_of_the_fault(northwind, northwind_admin):
    bad = QuestionTreeFactory(options=("Only one",))

    with pytest.raises(InvalidEnvelope) as raised:
        services.create_flow(northwind, {"name": "x", "tree_structure": bad}, author=northwind_admin)

    assert raised.value.field == "tree_structure"
    assert raised.value.message == "root: question needs 2-5 children"


def test_an_unknown_domain_is_refused(northwind, northwind_admin):
    with pytest.raises(InvalidEnvelope) as raised:
        services.create_flow(
            northwind,
            {"name": "x", "problem_domain": "plumbing", "tree_structure": QuestionTreeFactory()},
            author=northwind_admin,
        )

    assert raised.value.field == "problem_domain"


def test_publishing_creates_the_next_version_and_keeps_the_old_one(northwind, northwind_admin):
    tree = TreeFactory(account=northwind, name="Printer offline")
    changed = {**tree.envelope(), "tree_structure": QuestionTreeFactory(options=("Yes", "No", "Can't tell"))}

    tree = services.publish_tree(tree, changed, author=northwind_admin, note="Added can't tell")

    assert tree.version == 2
    assert [v.version for v in tree.versions.all()] == [2, 1]
    assert len(tree.versions.get(version=1).tree_structure["children"]) == 2
    assert tree.versions.get(version=2).note == "Added can't tell"


def test_publishing_over_a_newer_version_is_refused_unless_forced(northwind, northwind_admin):
    tree = TreeFactory(account=northwind)
    services.publish_tree(tree, tree.envelope(), author=northwind_admin)

    with pytest.raises(StaleTarget) as raised:
        services.publish_tree(tree, tree.envelope(), author=northwind_admin, expected_version=1)

    assert (raised.value.expected, raised.value.actual) == (1, 2)
    assert services.publish_tree(tree, tree.envelope(), author=northwind_admin).version == 3


def test_restoring_publishes_the_old_content_as_a_new_version(northwind, northwind_admin):
    tree = TreeFactory(account=northwind, name="Old name")
    tree = services.publish_tree(tree, {**tree.envelope(), "name": "New name"}, author=northwind_admin)

    tree = services.restore_version(tree, 1, author=northwind_admin)

    assert tree.version == 3 and tree.name == "Old name"
    assert tree.versions.get(version=3).note == "Restored version 1"


def test_a_draft_keeps_invalid_work_and_publishing_it_validates(northwind, northwind_admin):
    draft = services.start_draft(northwind_admin, {"name": "WIP", "tree_structure": {"id": "r"}})
    services.save_draft(draft, {"name": "WIP", "tree_structure": {"id": "r", "type": "question"}})

    with pytest.raises(InvalidEnvelope):
        services.publish_draft(draft, author=northwind_admin)

    services.save_draft(draft, {"name": "WIP", "tree_structure": QuestionTreeFactory()})
    tree = services.publish_draft(draft, author=northwind_admin, note="from the editor")
    draft.refresh_from_db()
    assert draft.published_flow == tree and draft.is_published
    assert tree.origin == Origin.MANUAL and tree.version == 1


def test_a_draft_of_an_existing_flow_publishes_a_new_version(northwind, northwind_admin):
    tree = TreeFactory(account=northwind)
    draft = services.start_draft(northwind_admin, {**tree.envelope(), "name": "Renamed"}, target_flow=tree)

    published = services.publish_draft(draft, author=northwind_admin)

    assert published.pk == tree.pk and published.version == 2 and published.name == "Renamed"


def test_archiving_takes_a_flow_out_of_the_library(northwind, northwind_admin):
    tree = TreeFactory(account=northwind)

    services.archive_flow(tree)

    assert tree.status == TreeStatus.ARCHIVED


def test_a_draft_imported_from_json_publishes_as_an_imported_flow(northwind, northwind_admin):
    from knowledge.models import DraftSource

    draft = services.start_draft(
        northwind_admin, {"name": "Imported", "tree_structure": QuestionTreeFactory()}, source_kind=DraftSource.IMPORT
    )

    assert services.publish_draft(draft, author=northwind_admin).origin == Origin.IMPORTED
