"""The flow editor: its pages (views.py, urls.py), the request bodies they read (forms.py) and what they draw
(presenter.py). Drafts themselves are written by knowledge.services."""
