"""`python -m nigrani_routing`: serves the routing service until SIGTERM."""

from nigrani_shared.settings import refused_settings_exit
from nigrani_shared.web.serve import serve

from nigrani_routing.config import RoutingSettings
from nigrani_routing.main import create_app

if __name__ == "__main__":
    with refused_settings_exit():
        settings = RoutingSettings()
    serve(create_app(settings), settings)
