import datetime as dt

from celery import shared_task

from apps.domande.models import Bando

from . import services


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def calcola_graduatorie_task(bando_id: int, attore_id: int | None = None):
    from django.contrib.auth import get_user_model

    attore = get_user_model().objects.filter(pk=attore_id).first() if attore_id else None
    return services.calcola_graduatorie(Bando.objects.get(pk=bando_id), attore=attore)


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def pubblica_graduatorie_task(bando_id: int, data: str | None = None, attore_id: int | None = None):
    from django.contrib.auth import get_user_model

    attore = get_user_model().objects.filter(pk=attore_id).first() if attore_id else None
    giorno = dt.date.fromisoformat(data) if data else None
    return services.pubblica_graduatorie(Bando.objects.get(pk=bando_id), data=giorno, attore=attore)
