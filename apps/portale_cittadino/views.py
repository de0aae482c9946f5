from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


def home_pubblica(request):
    if request.user.is_authenticated:
        return redirect("cittadino:home")
    return render(request, "home.html")


@login_required
def home(request):
    return render(request, "cittadino/home.html")
