"""The API's JSON parser: DRF's, reading through resolutionflow.json_input.

A body nested deeper than MAX_JSON_DEPTH, holding a NUL or NaN, is a 400 like any malformed body,
instead of a RecursionError or a database error (a 500).
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from resolutionflow import json_input


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json_input.loads(stream.read().decode(encoding))
        except UnicodeDecodeError:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from None
        except ValueError as error:  # not JSON (JSONDecodeError), or JSON the product refuses (InvalidJSON)
            raise ParseError(f"JSON parse error - {error}") from None
