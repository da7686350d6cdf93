"""placeholder"""
class EndpointOperations:
    def __init__(self, workspace):
        self._ws = workspace
    def _close(self):
        pass
