from django.shortcuts import render


def accessibilita(request):
    return render(request, "pagine/accessibilita.html")


def privacy(request):
    return render(request, "pagine/privacy.html")


def note_legali(request):
    return render(request, "pagine/note_legali.html")


def mappa(request):
    return render(request, "pagine/mappa.html")
