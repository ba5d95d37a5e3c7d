"""`python -m nigrani_intake`: serves the intake service until SIGTERM."""

from nigrani_shared.settings import refused_settings_exit
from nigrani_shared.web.serve import serve

from nigrani_intake.config import IntakeSettings
from nigrani_intake.main import create_app

if __name__ == "__main__":
    with refused_settings_exit():
        settings = IntakeSettings()
    serve(create_app(settings), settings)
