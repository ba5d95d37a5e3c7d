"""`python -m nigrani_notify`: serves the notify service until SIGTERM."""

from nigrani_shared.settings import refused_settings_exit
from nigrani_shared.web.serve import serve

from nigrani_notify.config import NotifySettings
from nigrani_notify.main import create_app

if __name__ == "__main__":
    with refused_settings_exit():
        settings = NotifySettings()
    serve(create_app(settings), settings)
