"""Domain errors raised by services; mapped to HTTP in one place (app/web/errors.py)."""

from typing import Any


class DomainError(Exception):
    """Base for every rule a service enforces."""

    code = "domain_error"

    def __init__(self, message: str, *, values: dict[str, Any] | None = None, **extra: Any) -> None:
        """`message` is English with `%(name)s` placeholders filled from `values`: the API says
        it so, the pages say it in the person's language (the catalogue holds the template)."""
        self.template = message
        self.values = dict(values or {})
        self.message = message % self.values if self.values else message
        super().__init__(self.message)
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(
            "%(entity)s %(id)s not found",
            values={"entity": entity, "id": entity_id},
            entity=entity,
            id=entity_id,
        )


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a rule; names the offending field."""

    code = "invalid"

    def __init__(self, field: str, message: str, **values: Any) -> None:
        super().__init__(message, values=values, field=field)
        self.field = field


class Conflict(DomainError):
    """The request clashes with the current state (e.g. a duplicate name)."""

    code = "conflict"


class VersionConflict(Conflict):
    """The caller saw an older version of the card (or annotation) than the stored one."""

    code = "version_conflict"

    def __init__(
        self,
        current: dict[str, Any],
        seen: int,
        changed_by: dict[str, Any] | None = None,
        *,
        entity: str = "card",
    ) -> None:
        super().__init__(
            f"{entity} {current['id']} was changed meanwhile: you saw version {seen}, "
            f"it is now at version {current['version']}",
            seen=seen,
            current=current,
            changed_by=changed_by,
            entity=entity,
        )


class WipLimitReached(Conflict):
    """A phase with a blocking WIP limit is full."""

    code = "wip_limit_reached"

    def __init__(self, phase: Any) -> None:
        super().__init__(
            f"phase '{phase.name}' is at its WIP limit of {phase.wip_limit}",
            phase_id=phase.id,
            wip_limit=phase.wip_limit,
        )
