"""The OpenAPI schema declares, on every operation, the problem+json errors it may answer, so that clients
(and schemathesis in the suite) know every response's shape."""

from drf_spectacular.openapi import AutoSchema

from .errori import TIPO_PROBLEMA, ProblemaSerializer

ERRORI = ["400", "401", "403", "404", "405", "406", "415", "422", "429"]


class SchemaApi(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        risposte = super()._get_response_bodies(direction)
        for codice in ERRORI:
            if codice not in risposte:
                risposte[codice] = self._get_response_for_code(
                    ProblemaSerializer, codice, media_types=[TIPO_PROBLEMA], direction=direction
                )
        return risposte
