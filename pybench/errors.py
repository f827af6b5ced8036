"""Named exceptions. Library code raises these; the CLI turns each into one line and exit code 1."""


class PybenchError(Exception):
    """Base class: the message is a complete sentence a user can act on."""


class UnknownAccelerator(PybenchError):
    """The accelerator name is not in the catalog."""


class ScenarioError(PybenchError):
    """A scenario file is missing, malformed or invalid."""


class OverrideError(PybenchError):
    """A --set override names an unknown key or has a bad value."""


class EndpointError(PybenchError):
    """The model server endpoint is unreachable or serves no model."""


class RunExists(PybenchError):
    """A run with that id already exists."""


class RunNotFound(PybenchError):
    """No run with that id or directory."""


class ReportError(PybenchError):
    """A report file is missing or malformed."""


class InvalidRun(PybenchError):
    """The run finished but its numbers cannot be trusted."""


class ToolError(PybenchError):
    """An external tool (inference-perf, terraform) failed or is missing."""


class Cancelled(PybenchError):
    """The user declined to go on; nothing was changed."""


class SettingsError(PybenchError):
    """A required setting is missing or has a bad value."""


class QuickstartError(PybenchError):
    """GKE Inference Quickstart (gkerecommender.googleapis.com) failed or refused a request."""


class ApiNotEnabled(QuickstartError):
    """The GKE Inference Quickstart API is not enabled in the caller's project."""


class QuickstartAccessDenied(QuickstartError):
    """The caller has no credentials, or no permission to use GKE Inference Quickstart."""


class UnknownModel(QuickstartError):
    """GKE Inference Quickstart has no model of that name."""


class NoProfile(QuickstartError):
    """GKE Inference Quickstart has no profile for that model, model server or accelerator."""


class DeployError(PybenchError):
    """Applying manifests failed, or the Deployment did not become ready."""


class PreflightError(PybenchError):
    """Checks before a cluster run failed; nothing was created. One line per failed check."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        # the CLI prints "Error: " before the message: prefix the later lines the same way, one per problem
        super().__init__("\nError: ".join(problems))


class JobFailed(PybenchError):
    """The inference-perf Job failed, could not start or was stopped in the cluster."""


class StorageError(PybenchError):
    """Google Cloud Storage could not be reached or refused a request."""
