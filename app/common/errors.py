"""The domain error: every service raises it with the path of the field that is wrong."""


class ValidationError(Exception):
    """Bad input, named by field (`attendance[12].hours`) and explained in words."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message



class ValidationErrors(ValidationError):
    """Several fields wrong at once, so a form can show every mistake together; the first names the field."""

    def __init__(self, errors: list[ValidationError]):
        super().__init__(errors[0].field, errors[0].message)
        self.errors = errors
