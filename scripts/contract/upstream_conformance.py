"""Checks that every request which reached the upstream conforms to the OpenAPI document.

    python upstream_conformance.py <openapi.json> <recorded.json>

`recorded.json` is a list of `{"method", "path", "headers": [[name, value], ...], "body"}` as the
demo API recorded them (path with its query). Prints the requests that break the contract
(the first SHOWN of them with their breaches) and exits 1 if there is any. Used by
integration-tests/tests/contract.rs after each negative fuzzing run: whatever Palisade let
through must be something the document allows.

Independent of Palisade's own validator on purpose: the schemas are checked with jsonschema_rs
(installed with schemathesis). Covered: operation (method and path template), path, query and
header parameters, and the request body (presence, media type, strict JSON, schema). Like
Palisade, it treats query parameters the document does not declare as a breach.
"""

import json
import sys
from urllib.parse import parse_qsl, unquote

import jsonschema_rs

# Breaches printed in full; the rest are only counted.
SHOWN = 20
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def follow(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def deref(document, node):
    while isinstance(node, dict) and "$ref" in node:
        node = follow(document, node["$ref"])
    return node


class Contract:
    """The document's operations and a validator per schema, compiled once."""

    def __init__(self, document):
        self.document = document
        self.validators = {}

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        if key not in self.validators:
            # The whole document is the root resource so that `#/components/...` resolves.
            root = dict(self.document)
            root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
            root["allOf"] = [schema]
            self.validators[key] = jsonschema_rs.Draft202012Validator(root)
        return self.validators[key]

    def schema_errors(self, schema, value, where):
        return [f"{where}: {error.message}" for error in self.validator(schema).iter_errors(value)]

    def operation(self, method, path):
        """The operation and its path parameters' raw values, or None."""
        segments = path.split("/")
        for template, item in self.document.get("paths", {}).items():
            operation = item.get(method.lower())
            if method.lower() not in METHODS or operation is None:
                continue
            values = match(template.split("/"), segments)
            if values is not None:
                return item, operation, values
        return None


def match(template, segments):
    if len(template) != len(segments):
        return None
    values = {}
    for expected, actual in zip(template, segments):
        if expected.startswith("{") and expected.endswith("}"):
            values[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return values


def coerce(schema, raw):
    """A parameter's text as the JSON value its schema's type asks for (text if it cannot be)."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def parameters(contract, item, operation):
    """Path-level parameters overridden by the operation's, by (in, name)."""
    found = {}
    for node in item.get("parameters", []) + operation.get("parameters", []):
        parameter = deref(contract.document, node)
        found[(parameter["in"], parameter["name"])] = parameter
    return found


def check_parameters(contract, declared, values, place):
    errors = []
    for (where, name), parameter in declared.items():
        if where != place:
            continue
        name = name.lower() if place == "header" else name
        if name not in values:
            if parameter.get("required", False):
                errors.append(f"{place} parameter {name}: required but missing")
            continue
        schema = parameter.get("schema", {})
        errors += contract.schema_errors(schema, coerce(schema, values[name]), f"{place} {name}")
    if place == "query":
        known = {name for (where, name) in declared if where == "query"}
        errors += [f"query parameter {name}: not declared" for name in values if name not in known]
    return errors


def strict_json(text):
    def no_duplicates(pairs):
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            raise ValueError("duplicate member name")
        return dict(pairs)

    return json.loads(text, object_pairs_hook=no_duplicates)


def check_body(contract, operation, headers, body):
    request_body = deref(contract.document, operation.get("requestBody", {}))
    if not request_body:
        return [] if body == "" else ["body: the operation declares none"]
    if body == "":
        return ["body: required but missing"] if request_body.get("required") else []
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    content = request_body.get("content", {})
    if media not in content:
        return [f"body: media type {media or '(none)'} not declared"]
    if media != "application/json" and not media.endswith("+json"):
        return []
    try:
        value = strict_json(body)
    except ValueError as error:
        return [f"body: not strict JSON ({error})"]
    return contract.schema_errors(content[media].get("schema", {}), value, "body")


def breaches(contract, request):
    """Everything about one recorded request that the document forbids."""
    raw_path, _, query = request["path"].partition("?")
    found = contract.operation(request["method"], raw_path)
    if found is None:
        return [f"no operation {request['method']} {raw_path}"]
    item, operation, raw_values = found
    declared = parameters(contract, item, operation)
    headers = {name.lower(): value for name, value in request["headers"]}
    path_values = {name: unquote(value, errors="strict") for name, value in raw_values.items()}
    query_values = dict(parse_qsl(query, keep_blank_values=True))
    errors = check_parameters(contract, declared, path_values, "path")
    errors += check_parameters(contract, declared, query_values, "query")
    errors += check_parameters(contract, declared, headers, "header")
    return errors + check_body(contract, operation, headers, request["body"])


def main(document_path, recorded_path):
    with open(document_path, encoding="utf-8") as file:
        contract = Contract(json.load(file))
    with open(recorded_path, encoding="utf-8") as file:
        recorded = json.load(file)
    failures = 0
    for request in recorded:
        try:
            errors = breaches(contract, request)
        except (UnicodeDecodeError, ValueError) as error:
            errors = [f"unreadable: {error}"]
        if errors:
            failures += 1
        if errors and failures <= SHOWN:
            body = request["body"][:300]
            request_id = dict(request["headers"]).get("x-request-id", "?")
            print(f"{request['method']} {request['path']} body={body!r} x-request-id={request_id}")
            print("  " + "\n  ".join(errors))
    print(f"{len(recorded)} upstream requests checked, {failures} break the contract")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: upstream_conformance.py <openapi.json> <recorded.json>")
    sys.exit(main(sys.argv[1], sys.argv[2]))
