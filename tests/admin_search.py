"""The operators' search of citizens' data, a POST (core.admin.RicercaRiservataMixin)."""


def cerca(client, url, termine, **get):
    """POST the search box; returns the redirect and the page it leads to."""
    redirect = client.post(url + ("?" + "&".join(f"{k}={v}" for k, v in get.items()) if get else ""), {
        "_ricerca": termine
    })  # fmt: skip
    assert redirect.status_code == 302, redirect
    return redirect, client.get(redirect["Location"])


def risultati(client, url, termine) -> list:
    """The rows the search finds."""
    return list(cerca(client, url, termine)[1].context["cl"].result_list)
