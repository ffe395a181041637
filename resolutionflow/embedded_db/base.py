from django.db.backends.postgresql import base

from resolutionflow.embedded_postgres import ensure_server


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        socket_dir, port = ensure_server(self.settings_dict["EMBEDDED_PGDATA"], self.settings_dict["NAME"])
        self.settings_dict["HOST"] = socket_dir
        self.settings_dict["PORT"] = port
        return super().get_connection_params()
