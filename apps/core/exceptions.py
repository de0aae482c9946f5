"""The one error type of the domain (pretix's OrderError): a rule the user broke, nothing was changed.

`message` is shown to the person (next to `field` when the form has it); raise it from services only after
nothing has been written, or inside the transaction that the raise rolls back.
"""


class DomainError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
