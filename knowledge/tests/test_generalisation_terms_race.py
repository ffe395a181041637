"""Two admins adding the same term at once (in any case): one row, no error."""

import threading

import pytest
from django.db import IntegrityError, connection

from knowledge.models import GeneralisationTerm
from knowledge.terms import services


@pytest.mark.django_db(transaction=True)
def test_the_same_term_added_twice_at_once_is_one_row_and_no_error(northwind):
    start = threading.Barrier(2)
    errors = []

    def add(term, replacement):
        start.wait()
        try:
            services.add_term(northwind, term=term, replacement=replacement)
        except Exception as error:  # an IntegrityError here is the race this test is about
            errors.append(error)
        finally:
            connection.close()

    for attempt in range(5):
        GeneralisationTerm.objects.filter(account=northwind).delete()
        threads = [
            threading.Thread(target=add, args=(f"Harbour{attempt}", "the client")),
            threading.Thread(target=add, args=(f"HARBOUR{attempt}", "the site")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert GeneralisationTerm.objects.filter(account=northwind).count() == 1


def test_the_database_refuses_a_term_differing_only_in_case(northwind):
    GeneralisationTerm.objects.create(account=northwind, term="Acme", replacement="the client")

    with pytest.raises(IntegrityError):
        GeneralisationTerm.objects.create(account=northwind, term="ACME", replacement="the client")
