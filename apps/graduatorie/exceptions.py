class GraduatoriaError(Exception):
    """A rule of the graduatoria's lifecycle stops the action; the message is for the operator."""
