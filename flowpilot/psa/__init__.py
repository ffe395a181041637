"""The PSA integration: a connection per account, connectors per provider, ticket links and pushes.

Layout (each module owns one part):
- `connectors/base.py`: the provider-neutral contract every connector implements (values and errors).
- `connectors/connectwise.py`, `halopsa.py`, `autotask.py`: one connector per provider on httpx.
- `fake/`: the fake PSA server (tests and `manage.py fake_psa`) speaking all three providers' shapes.
- `crypto.py`, `models` (in flowpilot/models.py), `services.py`, `sender.py`, `views.py`, `forms.py`.
"""
