"""Templates staff write (canned responses, macros' reply and note): Jinja2's sandbox, narrowed
to what a reply needs.

A template may print only the variables of `VARIABLES` (`{{ customer.name }}`,
`{{ ticket.id }}`, `{{ ticket.subject }}`, `{{ agent.name }}`), through the `default` filter
with a literal (`{{ customer.name | default("there") }}`), between plain text. Anything else
(other attributes, calls, loops, conditions, includes, other filters) is refused when the
template is saved, by `check`, so rendering can neither reach an object's internals nor run
away; the sandbox stays as a second wall, and the output is bounded all the same.
"""

from collections.abc import Mapping

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

VARIABLES: Mapping[str, frozenset[str]] = {
    "customer": frozenset({"name"}),
    "ticket": frozenset({"id", "subject"}),
    "agent": frozenset({"name"}),
}
FILTERS = frozenset({"default"})
MAX_SOURCE = 10_000  # characters of a template
MAX_OUTPUT = 20_000  # characters of a rendering (a reply's body is at most this much)

_env = ImmutableSandboxedEnvironment(autoescape=False)
_env.filters = {name: _env.filters[name] for name in FILTERS}
_env.globals = {}


class TemplateError(ValueError):
    """Why a template cannot be used, in words for the person who wrote it."""


def _allowed_names() -> str:
    return ", ".join(
        f"{{{{ {obj}.{attr} }}}}" for obj, attrs in VARIABLES.items() for attr in sorted(attrs)
    )


def _check_expression(node: nodes.Node) -> None:
    match node:
        case nodes.Getattr(node=nodes.Name(name=obj), attr=attr) if attr in VARIABLES.get(obj, ()):
            return
        case nodes.Const():
            return
        case nodes.Filter(name=name, node=inner, args=args, kwargs=[], dyn_args=None) if (
            name in FILTERS and inner is not None
        ):
            _check_expression(inner)
            for arg in args:
                if not isinstance(arg, nodes.Const):
                    raise TemplateError("A filter's arguments must be plain values")
            return
        case nodes.Filter(name=name):
            raise TemplateError(f"Unknown filter '{name}': only default is available")
    raise TemplateError(f"Only these variables can be used: {_allowed_names()}")


def check(source: str) -> None:
    """Raises TemplateError unless `source` is a template `render` accepts."""
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"Ensure this template has at most {MAX_SOURCE} characters")
    try:
        tree = _env.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateError(
            f"The template does not parse: {error.message} (line {error.lineno})"
        ) from None
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            raise TemplateError("Only text and {{ variables }} are allowed, no {% statements %}")
        for part in statement.nodes:
            if not isinstance(part, nodes.TemplateData):
                _check_expression(part)


def render(source: str, values: Mapping[str, Mapping[str, object]]) -> str:
    """`source` (which `check` accepts) with `values` (as `VARIABLES` names them), at most
    MAX_OUTPUT characters. A value missing or empty prints nothing, or its `default`."""
    check(source)
    context = {
        obj: {attr: str(v) for attr in attrs if (v := values.get(obj, {}).get(attr))}
        for obj, attrs in VARIABLES.items()
    }
    return _env.from_string(source).render(context)[:MAX_OUTPUT]
