"""The OpenAPI document describes every answer an operation can give, errors included.

drf-spectacular documents the success answers each view declares; this postprocessing hook adds the error
answers every operation can give (the one exception handler in resolutionflow/api/errors.py and Django's
error views shape them all as a JSON object: `detail`, or field errors), so a client, and the fuzzer in
tests/security/test_api_fuzzing.py, find no status code the document does not list.
"""

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong; a refused body names its fields instead (field: [messages]).",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
# Every operation: a malformed request (400), no or a bad token (401), a role without the right (403), an
# object outside the account or a path nothing matches (404), a method it does not take (405), a state
# conflict (409), a body over the limit (413), a content type it does not parse (415), throttled (429).
ERROR_ANSWERS = {
    "400": "The request was refused: its `detail`, or each field's errors.",
    "401": "No token, or a token that is not valid.",
    "403": "The user's role does not give this right on this object.",
    "404": "No such object in the user's account (another account's object answers the same).",
    "405": "This path does not take this method.",
    "406": "The requested format cannot be produced (JSON only).",
    "409": "The object's current state does not allow it (already reviewed, session closed...).",
    "413": "The request body is over the limit.",
    "415": "The body's content type is not one the API parses.",
    "429": "Too many requests: wait for Retry-After seconds.",
}
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: the error answers on every operation, one shared `Error` component."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_ANSWERS.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result
