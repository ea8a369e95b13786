"""cloud-lab sandbox: a local cloud for the labs of a cloud-native course."""

__version__ = "0.1.0"
