"""tracker: a policy version diff and changelog tracker."""

__version__ = "0.1.0"
