"""`python -m nigrani_sla`: serves the sla service until SIGTERM."""

from nigrani_shared.settings import refused_settings_exit
from nigrani_shared.web.serve import serve

from nigrani_sla.config import SlaSettings
from nigrani_sla.main import create_app

if __name__ == "__main__":
    with refused_settings_exit():
        settings = SlaSettings()
    serve(create_app(settings), settings)
