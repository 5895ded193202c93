"""The one exception the pipeline raises for input it cannot accept."""


class RejectedInput(Exception):
    """A file or record that cannot be imported; the message says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
