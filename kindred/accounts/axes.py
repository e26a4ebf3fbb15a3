def username_from(request, credentials=None) -> str:
    """The e-mail address a login attempt was made for, lower-cased, for django-axes."""
    if credentials and credentials.get("username"):
        return str(credentials["username"]).strip().lower()
    return str(request.POST.get("email", "")).strip().lower() if request.method == "POST" else ""
